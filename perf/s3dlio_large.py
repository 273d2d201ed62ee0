"""One large object through s3dlio's Python API (the PyPI wheel in perf/lib.sh's venv), for perf/compare:
put uploads the file PATH with s3dlio.upload (the key is PREFIX + the file's name); get reads the object
into memory with s3dlio.get and drops it, as a training loop reading a shard does.

  $venv/bin/python perf/s3dlio_large.py put|get ENDPOINT BUCKET KEY_OR_PREFIX [PATH]

Credentials from the environment (AWS_ACCESS_KEY_ID, ...). Prints the transfer's seconds (the
interpreter's start and the client's set-up excluded) and checks what it moved.
"""
import os
import sys
import time

import s3dlio

op, endpoint, bucket, key = sys.argv[1:5]
s3dlio.configure_s3(endpoint_url=endpoint, region=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
start = time.monotonic()
if op == "put":
    s3dlio.upload([sys.argv[5]], f"s3://{bucket}/{key}")
else:
    size = len(memoryview(s3dlio.get(f"s3://{bucket}/{key}")))
    if size != int(sys.argv[5]):
        sys.exit(f"s3dlio get: {size} bytes, expected {sys.argv[5]}")
print(f"{time.monotonic() - start:.4f}")
