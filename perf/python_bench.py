"""One measured Python workload for perf/python_bench: raws3 or boto3 (Debian's, beside Debian's torch),
in this interpreter. Prints the workload's seconds (the interpreter's start and the client's set-up
excluded) as its last line, after checking what it moved.

  /usr/bin/python3 perf/python_bench.py CLIENT WORKLOAD ENDPOINT BUCKET KEY SIZE
    CLIENT    raws3 | boto3 | s3torchconnector (ckpt-save, ckpt-load and loader only: S3Checkpoint and
              S3IterableDataset, in a venv beside Debian's torch)
    WORKLOAD  get-view | get-into | put (a numpy array of SIZE bytes) | ckpt-save | ckpt-load (a state dict
              of SIZE bytes in 64 MiB tensors) | loader (SIZE objects KEY000000... through a DataLoader
              with 2 forked workers)

Credentials from the environment (AWS_ACCESS_KEY_ID, ...). raws3 comes from PYTHONPATH (<build>/python).
"""
import io
import multiprocessing
import os
import sys
import time

import numpy as np

client_name, workload, endpoint, bucket, key, size = sys.argv[1:7]
size = int(size)
TENSOR = 64 << 20


def state_dict():
    import torch
    return {f"layer{i}.weight": torch.full((TENSOR // 4,), float(i)) for i in range(max(1, size // TENSOR))}


def check_state(state):
    import torch
    assert len(state) == max(1, size // TENSOR)
    for i in range(len(state)):
        assert torch.all(state[f"layer{i}.weight"] == float(i))


class Boto3Dataset:  # a map-style dataset of one GET each, as a boto3 user writes it
    def __init__(self, keys):
        self.keys = keys
        self.s3 = None

    def __len__(self):
        return len(self.keys)

    def __getitem__(self, i):
        import torch
        if self.s3 is None:
            self.s3 = boto3_client()
        body = self.s3.get_object(Bucket=bucket, Key=self.keys[i])["Body"].read()
        return self.keys[i], torch.frombuffer(bytearray(body), dtype=torch.uint8)


def boto3_client():
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint, region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                        config=Config(s3={"addressing_style": "path"}, max_pool_connections=64,
                                      retries={"max_attempts": 1}))


def loader(dataset):
    from torch.utils.data import DataLoader
    n = 0
    for batch in DataLoader(dataset, batch_size=64, num_workers=2, collate_fn=lambda b: b,
                            multiprocessing_context=multiprocessing.get_context("fork")):
        n += sum(len(t) for _, t in batch)
    return n


keys = [f"{key}{i:06d}" for i in range(size)] if workload == "loader" else None
# Made, and torch imported, before the clock starts: the workload is the transfer.
if workload == "put":
    array = np.full(size, 7, dtype=np.uint8)
if workload == "ckpt-save":
    state = state_dict()
if workload.startswith("ckpt") or workload == "loader":
    import torch  # noqa: F401

if client_name == "raws3":
    import raws3
    from raws3.streaming import load_torch_state, save_torch_state
    c = raws3.Client(endpoint_url=endpoint)
    uri = f"s3://{bucket}/{key}"
    start = time.monotonic()
    # What a GET lands in outlives the clock in both forms: freeing 1 GiB is no part of the transfer.
    if workload == "get-view":
        view = c.get_bytes_view(uri)
        assert len(view) == size
    elif workload == "get-into":
        dest = np.empty(size, dtype=np.uint8)
        assert c.get_into(uri, dest) == size
    elif workload == "put":
        c.put_bytes(uri, array)
    elif workload == "ckpt-save":
        save_torch_state(state, uri, client=c)
    elif workload == "ckpt-load":
        check_state(load_torch_state(uri, client=c))
    elif workload == "loader":
        from raws3.torch import S3IterableDataset
        assert loader(S3IterableDataset.from_objects([f"s3://{bucket}/{k}" for k in keys], client=c)) == 65536 * size
elif client_name == "s3torchconnector":
    from s3torchconnector import S3Checkpoint, S3ClientConfig, S3IterableDataset
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    config = S3ClientConfig(force_path_style=True)
    uri = f"s3://{bucket}/{key}"
    start = time.monotonic()
    if workload == "ckpt-save":
        import torch
        with S3Checkpoint(region, endpoint=endpoint, s3client_config=config).writer(uri) as writer:
            torch.save(state, writer)
    elif workload == "ckpt-load":
        import torch
        with S3Checkpoint(region, endpoint=endpoint, s3client_config=config).reader(uri) as reader:
            check_state(torch.load(reader))
    elif workload == "loader":
        # The transform its documentation gives for raw samples: the object's bytes as a uint8 tensor.
        def sample(reader):
            import torch
            return reader.key, torch.frombuffer(bytearray(reader.read()), dtype=torch.uint8)
        dataset = S3IterableDataset.from_objects([f"s3://{bucket}/{k}" for k in keys], region=region,
                                                 endpoint=endpoint, transform=sample, s3client_config=config,
                                                 enable_sharding=True)
        assert loader(dataset) == 65536 * size
    else:
        sys.exit(f"python_bench.py: s3torchconnector has no {workload}")
else:
    from boto3.s3.transfer import TransferConfig
    s3 = boto3_client()
    transfer = TransferConfig(max_concurrency=16, multipart_chunksize=8 << 20)
    start = time.monotonic()
    if workload == "get-view":
        assert len(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) == size
    elif workload == "get-into":
        out = io.BytesIO()
        s3.download_fileobj(bucket, key, out, Config=transfer)
        assert out.tell() == size
    elif workload == "put":
        s3.upload_fileobj(io.BytesIO(memoryview(array)), bucket, key, Config=transfer)
    elif workload == "ckpt-save":
        import torch
        buf = io.BytesIO()
        torch.save(state, buf)
        buf.seek(0)
        s3.upload_fileobj(buf, bucket, key, Config=transfer)
    elif workload == "ckpt-load":
        import torch
        buf = io.BytesIO()
        s3.download_fileobj(bucket, key, buf, Config=transfer)
        buf.seek(0)
        check_state(torch.load(buf))
    elif workload == "loader":
        assert loader(Boto3Dataset(keys)) == 65536 * size
print(f"{time.monotonic() - start:.4f}")
