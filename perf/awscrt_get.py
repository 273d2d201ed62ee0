"""GET_OBJECT through aws-c-s3 (Debian's python3-awscrt) into a file, for get_bench.sh.

  /usr/bin/python3 perf/awscrt_get.py HOST:PORT /BUCKET/KEY OUT_PATH

Prints the transfer's seconds (the interpreter's start excluded). aws-c-s3 connects to port 80 when TLS
is off, whatever the Host header says.
"""
import sys
import time

from awscrt import auth, http, io, s3

host, path, out = sys.argv[1:4]
elg = io.EventLoopGroup()
bootstrap = io.ClientBootstrap(elg, io.DefaultHostResolver(elg))
client = s3.S3Client(bootstrap=bootstrap, region="us-east-1", tls_mode=s3.S3RequestTlsMode.DISABLED,
                     credential_provider=auth.AwsCredentialsProvider.new_static("bench", "bench"),
                     throughput_target_gbps=25)
start = time.monotonic()
request = client.make_request(type=s3.S3RequestType.GET_OBJECT, recv_filepath=out,
                              request=http.HttpRequest("GET", path, http.HttpHeaders([("host", host)])))
request.finished_future.result()
print(f"{time.monotonic() - start:.4f}")
