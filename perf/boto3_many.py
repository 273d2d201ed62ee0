"""COUNT PUTs or GETs of small objects through boto3, THREADS at a time on one client (its pool sized to
match), for perf/compare. GET bodies are read and dropped; PUT bodies are the file SOURCE.

  python3 perf/boto3_many.py put|get ENDPOINT BUCKET PREFIX COUNT THREADS [SOURCE]   (the python3 with boto3)

Keys are PREFIX + obj%06d. Prints the transfer's seconds (the interpreter's start excluded).
"""
import concurrent.futures
import sys
import time

import boto3
import botocore.config

op, endpoint, bucket, prefix, count, threads = sys.argv[1:7]
count, threads = int(count), int(threads)
body = open(sys.argv[7], "rb").read() if op == "put" else None
# Credentials from the environment, as every client perf/compare runs.
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  config=botocore.config.Config(max_pool_connections=threads, s3={"addressing_style": "path"}))


def one(i):
    key = f"{prefix}obj{i:06d}"
    if op == "put":
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    else:
        s3.get_object(Bucket=bucket, Key=key)["Body"].read()


start = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(threads) as pool:
    for _ in pool.map(one, range(count)):
        pass
print(f"{time.monotonic() - start:.4f}")
