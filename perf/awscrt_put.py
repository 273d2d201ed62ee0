"""PUT_OBJECT through aws-c-s3 (Debian's python3-awscrt, or PyPI's awscrt in perf/lib.sh's venv) from a
file, for put_bench.sh and perf/compare: aws-c-s3 splits it into a multipart upload of its own.

  /usr/bin/python3 perf/awscrt_put.py HOST:PORT /BUCKET/KEY PATH

Prints the transfer's seconds (the interpreter's start excluded). Without TLS, Debian's aws-c-s3 0.16
connects to port 80 whatever the Host header says; PyPI's takes the port from it.
"""
import os
import sys
import time

from awscrt import auth, http, io, s3

host, path, source = sys.argv[1:4]
# The environment's keys where a real server needs them; the null S3 takes any.
credentials = auth.AwsCredentialsProvider.new_static(os.environ.get("AWS_ACCESS_KEY_ID", "bench"),
                                                     os.environ.get("AWS_SECRET_ACCESS_KEY", "bench"))
elg = io.EventLoopGroup()
bootstrap = io.ClientBootstrap(elg, io.DefaultHostResolver(elg))
client = s3.S3Client(bootstrap=bootstrap, region="us-east-1", tls_mode=s3.S3RequestTlsMode.DISABLED,
                     credential_provider=credentials,
                     throughput_target_gbps=25)
headers = http.HttpHeaders([("host", host), ("content-length", str(os.path.getsize(source)))])
start = time.monotonic()
request = client.make_request(type=s3.S3RequestType.PUT_OBJECT, send_filepath=source,
                              request=http.HttpRequest("PUT", path, headers))
request.finished_future.result()
print(f"{time.monotonic() - start:.4f}")
