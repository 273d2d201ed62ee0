"""PUT_OBJECT through aws-c-s3 (Debian's python3-awscrt) from a file, for put_bench.sh: aws-c-s3 splits
it into a multipart upload of its own.

  /usr/bin/python3 perf/awscrt_put.py HOST:PORT /BUCKET/KEY PATH

Prints the transfer's seconds (the interpreter's start excluded). aws-c-s3 connects to port 80 when TLS
is off, whatever the Host header says.
"""
import os
import sys
import time

from awscrt import auth, http, io, s3

host, path, source = sys.argv[1:4]
elg = io.EventLoopGroup()
bootstrap = io.ClientBootstrap(elg, io.DefaultHostResolver(elg))
client = s3.S3Client(bootstrap=bootstrap, region="us-east-1", tls_mode=s3.S3RequestTlsMode.DISABLED,
                     credential_provider=auth.AwsCredentialsProvider.new_static("bench", "bench"),
                     throughput_target_gbps=25)
headers = http.HttpHeaders([("host", host), ("content-length", str(os.path.getsize(source)))])
start = time.monotonic()
request = client.make_request(type=s3.S3RequestType.PUT_OBJECT, send_filepath=source,
                              request=http.HttpRequest("PUT", path, headers))
request.finished_future.result()
print(f"{time.monotonic() - start:.4f}")
