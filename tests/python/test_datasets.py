"""raws3.torch's datasets under DataLoader with forked workers: every object exactly once, bytes intact."""

import hashlib
import multiprocessing
import os

import pytest
import torch
from torch.utils.data import DataLoader

from raws3.torch import S3IterableDataset, S3MapDataset

COUNT = 60


@pytest.fixture(scope="module")
def objects(one_server, one_client):
    import uuid
    base = f"s3://{one_server['S3_BUCKET']}/py-ds-{uuid.uuid4().hex[:10]}-"
    expected = {}
    for i in range(COUNT):
        data = os.urandom(1000 + 37 * i)
        one_client.put_bytes(f"{base}{i:03d}", data)
        expected[f"{base}{i:03d}".split("/", 3)[3]] = hashlib.sha256(data).hexdigest()
    yield base, expected
    one_client.delete_many(base + k.split("-")[-1] for k in expected)


def digest(key, view):
    return key, hashlib.sha256(view).hexdigest()


def loader(dataset, **kw):
    return DataLoader(dataset, num_workers=2, multiprocessing_context=multiprocessing.get_context("fork"),
                      collate_fn=lambda batch: batch, **kw)


@pytest.mark.parametrize("kind", [S3MapDataset, S3IterableDataset])
def test_every_object_once_through_forked_workers(one_client, objects, kind):
    base, expected = objects
    # The client was made (and used) in this process before DataLoader forks its workers.
    dataset = kind.from_prefix(base, transform=digest, client=one_client)
    seen = [item for batch in loader(dataset, batch_size=4) for item in batch]
    assert sorted(k for k, _ in seen) == sorted(expected)  # each exactly once
    assert dict(seen) == expected


def test_default_transform_gives_uint8_tensors(one_client, objects):
    base, expected = objects
    dataset = S3MapDataset.from_prefix(base, client=one_client)
    key, tensor = dataset[3]
    assert tensor.dtype == torch.uint8 and hashlib.sha256(tensor.numpy()).hexdigest() == expected[key]
    batch = dataset.__getitems__([0, 5, 7])
    assert [hashlib.sha256(t.numpy()).hexdigest() for _, t in batch] == [expected[k] for k, _ in batch]
    # Tensors cross from the workers to this process.
    keys = [k for b in loader(S3IterableDataset.from_prefix(base, client=one_client), batch_size=8)
            for k, t in b if hashlib.sha256(t.numpy()).hexdigest() == expected[k]]
    assert sorted(keys) == sorted(expected)


def test_iterable_dataset_shards_by_rank(one_client, objects, monkeypatch):
    import raws3.torch as rt
    base, expected = objects
    shares = []
    for rank in range(3):
        monkeypatch.setattr(rt, "_rank_and_world", lambda rank=rank: (rank, 3))
        shares.append([k for k, _ in S3IterableDataset.from_prefix(base, transform=digest, client=one_client)])
    assert sorted(sum(shares, [])) == sorted(expected)
    assert all(abs(len(s) - COUNT / 3) <= 1 for s in shares)
