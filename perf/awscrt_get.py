"""GET_OBJECT through aws-c-s3 (Debian's python3-awscrt, or PyPI's awscrt in perf/lib.sh's venv) into a
file, for get_bench.sh and perf/compare.

  /usr/bin/python3 perf/awscrt_get.py [--ca CA_FILE] HOST /BUCKET/KEY OUT_PATH

Plain HTTP, or HTTPS trusting CA_FILE. Debian's aws-c-s3 0.16 takes the port from neither the Host header
nor anything else here: 80 without TLS, 443 with it; PyPI's takes HOST's port. Prints the transfer's
seconds (the interpreter's start excluded).
"""
import os
import sys
import time

from awscrt import auth, http, io, s3

args = sys.argv[1:]
ca = None
if args[0] == "--ca":
    ca, args = args[1], args[2:]
host, path, out = args
# The environment's keys where a real server needs them; the null S3 takes any.
credentials = auth.AwsCredentialsProvider.new_static(os.environ.get("AWS_ACCESS_KEY_ID", "bench"),
                                                     os.environ.get("AWS_SECRET_ACCESS_KEY", "bench"))
elg = io.EventLoopGroup()
bootstrap = io.ClientBootstrap(elg, io.DefaultHostResolver(elg))
tls = {"tls_mode": s3.S3RequestTlsMode.DISABLED}
if ca:
    options = io.TlsContextOptions()
    options.override_default_trust_store_from_path(ca_filepath=ca)
    tls = {"tls_mode": s3.S3RequestTlsMode.ENABLED,
           "tls_connection_options": io.ClientTlsContext(options).new_connection_options()}
client = s3.S3Client(bootstrap=bootstrap, region="us-east-1", throughput_target_gbps=25,
                     credential_provider=credentials, **tls)
start = time.monotonic()
request = client.make_request(type=s3.S3RequestType.GET_OBJECT, recv_filepath=out,
                              request=http.HttpRequest("GET", path, http.HttpHeaders([("host", host)])))
request.finished_future.result()
print(f"{time.monotonic() - start:.4f}")
