"""boto3's upload_file (s3transfer: 8 MiB parts, 10 threads, its default checksum) for put_bench.sh.

  python3 perf/boto3_put.py ENDPOINT BUCKET KEY PATH      (the python3 that has boto3)

Prints the transfer's seconds (the interpreter's start excluded).
"""
import sys
import time

import boto3

endpoint, bucket, key, path = sys.argv[1:5]
# Keys and region from the environment (AWS_ACCESS_KEY_ID, ...): the null S3 takes any, radosgw its own.
s3 = boto3.client("s3", endpoint_url=endpoint)
start = time.monotonic()
s3.upload_file(path, bucket, key)
print(f"{time.monotonic() - start:.4f}")
