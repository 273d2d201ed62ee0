"""One large object through s3torchconnectorclient's MountpointS3Client (PyPI, in perf/lib.sh's venv),
the client that s3torchconnector's S3Reader and S3Writer wrap, used the way they use it: put writes the
file PATH to a PutObjectStream in 8 MiB pieces (what S3Writer hands on from torch.save), get iterates
the GetObjectStream and drops the pieces (S3Reader's sequential read), for perf/compare.

  $venv/bin/python perf/s3torchconnector_large.py put|get ENDPOINT BUCKET KEY PATH_OR_SIZE

Credentials from the environment (AWS_ACCESS_KEY_ID, ...). Prints the transfer's seconds (the
interpreter's start excluded) and checks what it moved.
"""
import os
import sys
import time

from s3torchconnectorclient._mountpoint_s3_client import MountpointS3Client

op, endpoint, bucket, key, arg = sys.argv[1:6]
client = MountpointS3Client(os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), endpoint=endpoint,
                            force_path_style=True)
start = time.monotonic()
if op == "put":
    stream = client.put_object(bucket, key)
    with open(arg, "rb", buffering=0) as f:
        while piece := f.read(8 << 20):
            stream.write(piece)
    stream.close()
else:
    size = sum(len(piece) for piece in client.get_object(bucket, key))
    if size != int(arg):
        sys.exit(f"s3torchconnectorclient get: {size} bytes, expected {arg}")
print(f"{time.monotonic() - start:.4f}")
