"""COUNT PUTs or GETs of small objects through aws-c-s3 (Debian's python3-awscrt, or PyPI's awscrt in
perf/lib.sh's venv), INFLIGHT requests submitted at a time to one S3Client, for perf/compare. GET bodies
go to /dev/null; PUT bodies come from the file SOURCE.

  /usr/bin/python3 perf/awscrt_many.py put|get HOST /BUCKET/PREFIX COUNT INFLIGHT [SOURCE]

Keys are PREFIX + obj%06d. No TLS: Debian's aws-c-s3 0.16 connects to port 80 whatever HOST says, PyPI's
to HOST's port. Prints the transfer's seconds (the interpreter's start excluded).
"""
import os
import sys
import threading
import time

from awscrt import auth, http, io, s3

op, host, base, count, inflight = sys.argv[1:6]
count, inflight = int(count), int(inflight)
source = sys.argv[6] if op == "put" else None
# The environment's keys where a real server needs them; the null S3 takes any.
credentials = auth.AwsCredentialsProvider.new_static(os.environ.get("AWS_ACCESS_KEY_ID", "bench"),
                                                     os.environ.get("AWS_SECRET_ACCESS_KEY", "bench"))
elg = io.EventLoopGroup()
bootstrap = io.ClientBootstrap(elg, io.DefaultHostResolver(elg))
client = s3.S3Client(bootstrap=bootstrap, region="us-east-1", tls_mode=s3.S3RequestTlsMode.DISABLED,
                     credential_provider=credentials,
                     throughput_target_gbps=25)
slots = threading.Semaphore(inflight)
failures = []
requests = []


def done(error=None, status_code=None, **_):
    if error is not None or (status_code is not None and status_code >= 300):
        failures.append(error or status_code)
    slots.release()


start = time.monotonic()
for i in range(count):
    slots.acquire()
    if failures:
        break
    path = f"{base}obj{i:06d}"
    if op == "put":
        headers = http.HttpHeaders([("host", host), ("content-length", str(os.path.getsize(source)))])
        requests.append(client.make_request(type=s3.S3RequestType.PUT_OBJECT, send_filepath=source, on_done=done,
                                            request=http.HttpRequest("PUT", path, headers)))
    else:
        requests.append(client.make_request(type=s3.S3RequestType.GET_OBJECT, recv_filepath="/dev/null",
                                            on_done=done,
                                            request=http.HttpRequest("GET", path, http.HttpHeaders([("host", host)]))))
for r in requests:
    r.finished_future.result()
if failures:
    sys.exit(f"awscrt {op}: {len(failures)} failed, first: {failures[0]}")
print(f"{time.monotonic() - start:.4f}")
