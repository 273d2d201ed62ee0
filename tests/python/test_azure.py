"""raws3.Client(service="azure") against Azurite: az:// URIs through the same calls as s3://, byte-exact,
and an aborted stream that commits nothing."""

import uuid

import numpy as np
import pytest

import harness
import raws3
from conftest import PART, random_bytes, sha256


@pytest.fixture(scope="module")
def azure():
    """A client and a container of its own, made and removed with the Azure SDK (Debian's)."""
    from azure.storage.blob import BlobServiceClient
    env = harness.blob_env()
    sdk = BlobServiceClient.from_connection_string(env["AZURE_STORAGE_CONNECTION_STRING"])
    container = "py-" + uuid.uuid4().hex[:12]
    sdk.create_container(container)
    c = raws3.Client(service="azure", azure_connection_string=env["AZURE_STORAGE_CONNECTION_STRING"],
                     part_size=PART)
    yield c, f"az://{container}/"
    c.close()
    sdk.delete_container(container)


def test_bytes_views_and_streams_round_trip(azure):
    c, base = azure
    for size in (0, 1, PART - 1, PART + 1, 3 * PART + 5):
        data = random_bytes(size, seed=size)
        c.put_bytes(base + f"b/{size}", data)
        assert sha256(c.get_bytes_view(base + f"b/{size}")) == sha256(data)
    array = np.random.default_rng(3).standard_normal(2_000_000)
    c.put_bytes(base + "array", array)  # from the array's own memory
    assert np.array_equal(np.frombuffer(c.get_bytes_view(base + "array"), dtype=array.dtype), array)
    data = random_bytes(2 * PART + 17, seed=9)
    with c.open_stream(base + "stream", content_type="application/x-raws3", metadata={"k": "v"}) as w:
        for at in range(0, len(data), 1 << 20):
            w.write(data[at:at + (1 << 20)])
    info = c.stat(base + "stream")
    assert (info.size, info.content_type, info.metadata) == (len(data), "application/x-raws3", {"k": "v"})
    assert info.uri == base + "stream"
    assert bytes(c.get_bytes_view(base + "stream", range=(PART - 3, PART + 3))) == data[PART - 3:PART + 3]


def test_listing_and_copies(azure):
    c, base = azure
    for name in ("l/a/1", "l/a/2", "l/b", "l/c/3"):
        c.put_bytes(base + name, name.encode())
    assert [o.uri for o in c.list(base + "l/")] == [base + n for n in ("l/a/1", "l/a/2", "l/b", "l/c/3")]
    top = list(c.list(base + "l/", recursive=False))
    assert sorted((o.key, o.is_dir) for o in top) == [("l/a/", True), ("l/b", False), ("l/c/", True)]
    c.copy(base + "l/b", base + "l/b.copy")
    assert bytes(c.get_bytes_view(base + "l/b.copy")) == b"l/b"


def test_an_aborted_stream_commits_nothing(azure):
    c, base = azure
    with pytest.raises(RuntimeError, match="stop"):
        with c.open_stream(base + "aborted") as w:
            w.write(random_bytes(2 * PART + 1))
            raise RuntimeError("stop")
    assert not c.exists(base + "aborted")


def test_errors_and_uris_of_the_other_service(azure):
    c, base = azure
    with pytest.raises(FileNotFoundError, match="BlobNotFound"):
        c.get_bytes_view(base + "missing")
    with pytest.raises(raws3.ConfigError, match="service='s3'"):
        c.get_bytes_view("s3://bucket/key")
    with pytest.raises(raws3.ConfigError, match="no container"):
        c.get_bytes_view("az:///key")
