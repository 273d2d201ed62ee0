"""Byte-exact round trips through every call of raws3.Client, at the sizes where the paths change: empty,
one byte, one byte either side of a part (5 MiB, the clients' part size) and 40 MiB (multipart uploads,
and GETs split into concurrent ranges above the 32 MiB threshold)."""

import asyncio
import os

import numpy as np
import pytest
import torch

import raws3

from conftest import MiB, PART, lists_one_level, multipart_uploads, sha256

SIZES = [0, 1, PART - 1, PART + 1, 40 * MiB]


@pytest.fixture(scope="module")
def payloads():
    return {n: os.urandom(n) for n in SIZES}


@pytest.mark.parametrize("size", SIZES)
def test_put_bytes_then_every_get(server, client, base, payloads, size):
    data = payloads[size]
    uri = base + f"obj-{size}"
    etag = client.put_bytes(uri, data)
    assert etag.strip('"') or server["SERVER"] == "rgw"  # radosgw completes multipart uploads without an ETag
    assert client.stat(uri).size == size

    view = client.get_bytes_view(uri)
    assert isinstance(view, memoryview) and view.readonly
    assert len(view) == size and sha256(view) == sha256(data)

    buf = bytearray(size + 7)  # larger than the object: only its bytes are written
    assert client.get_into(uri, buf) == size
    assert sha256(buf[:size]) == sha256(data) and buf[size:] == bytes(7)

    with client.open(uri, "rb") as f:
        assert sha256(f.read()) == sha256(data)


@pytest.mark.parametrize("size", SIZES)
def test_stream_writer_and_files(server, client, base, payloads, tmp_path, size):
    data = payloads[size]
    uri = base + f"stream-{size}"
    with client.open_stream(uri, content_type="application/x-test") as s:
        # Pieces of every kind: small (copied) and larger than a part (sent from our memory).
        view = memoryview(data)
        for at in range(0, size, 3 * MiB + 17):
            s.write(view[at:at + 3 * MiB + 17])
        if size > PART:
            s.write(b"")
    assert s.result["size"] == size and (s.etag or server["SERVER"] == "rgw")
    info = client.stat(uri)
    assert info.size == size and info.content_type == "application/x-test"
    assert sha256(client.get_bytes_view(uri)) == sha256(data)

    path = tmp_path / "up.bin"
    path.write_bytes(data)
    client.upload_file(path, uri + ".file")
    out = tmp_path / "down.bin"
    assert client.download_file(uri + ".file", out).size == size
    assert sha256(out.read_bytes()) == sha256(data)


def test_a_write_of_several_parts_is_sent_from_the_callers_memory(client, base):
    # Changing the buffer after write() returns must not change what was uploaded: write() returns only
    # once nothing reads the buffer any more.
    uri = base + "borrowed"
    data = bytearray(os.urandom(3 * PART + 5))
    expected = sha256(bytes(data) + b"tail")
    with client.open_stream(uri) as s:
        assert s.write(data) == len(data)
        data[:] = bytes(len(data))
        s.write(b"tail")
    assert sha256(client.get_bytes_view(uri)) == expected


def test_exactly_one_part_then_more_keeps_the_first_part(client, base):
    # The first full part is held back until more data shows it is a multipart upload; lent by the
    # caller, it must be copied before write() returns.
    uri = base + "held"
    first = bytearray(os.urandom(PART))
    expected = sha256(bytes(first) + b"more")
    with client.open_stream(uri) as s:
        s.write(first)
        first[:] = bytes(PART)
        s.write(b"more")
    assert sha256(client.get_bytes_view(uri)) == expected


def test_views_share_memory_and_outlive_their_client(server, base):
    from conftest import client_for
    c = client_for(server)
    uri = base + "view"
    data = os.urandom(MiB + 3)
    c.put_bytes(uri, data)
    view = c.get_bytes_view(uri, writable=True)
    array = np.frombuffer(view, dtype=np.uint8)
    assert np.shares_memory(array, view)
    array[0] ^= 0xFF  # writable: the array writes into the view's memory
    assert view[0] == data[0] ^ 0xFF
    c.close()
    del c
    assert sha256(view[1:]) == sha256(data[1:])  # the memory lives on with its views
    del view
    assert array[1:].tobytes() == data[1:]


def test_ranges(server, client, base, payloads):
    data = payloads[40 * MiB]
    uri = base + "ranged"
    client.put_bytes(uri, data)
    if server["SERVER"] == "s3rver":
        # s3rver answers bytes=0-0 with the whole object (206, Content-Range 0-N): refused, not taken.
        with pytest.raises(raws3.Error, match="not the range asked for"):
            client.get_bytes_view(uri, range=(0, 1))
    else:
        assert bytes(client.get_bytes_view(uri, range=(0, 1))) == data[:1]
    for start, end in [(5, 10), (PART - 1, PART + 1), (len(data) - 3, len(data)), (len(data) - 3, len(data) + 9)]:
        # A range past the object's end gets the bytes up to it, as from S3.
        expected = data[start:end]
        assert bytes(client.get_bytes_view(uri, range=(start, end))) == expected
        buf = bytearray(end - start)
        assert client.get_into(uri, buf, range=range(start, end)) == len(expected)
        assert bytes(buf[:len(expected)]) == expected


def test_get_into_numpy_and_torch(client, base):
    uri = base + "arrays"
    array = np.arange(MiB, dtype=np.float32)
    client.put_bytes(uri, array)
    into = np.empty_like(array)
    assert client.get_into(uri, into) == array.nbytes
    assert np.array_equal(into, array)
    tensor = torch.empty(MiB, dtype=torch.float32)
    assert client.get_into(uri, tensor) == array.nbytes
    assert torch.equal(tensor, torch.from_numpy(array))
    # A tensor uploads from its own memory too.
    client.put_bytes(uri + ".t", tensor * 2)
    assert np.array_equal(np.frombuffer(client.get_bytes_view(uri + ".t"), dtype=np.float32), array * 2)


def test_non_contiguous_buffers_are_copied_once(client, base):
    uri = base + "strided"
    array = np.arange(1000, dtype=np.int64).reshape(10, 100)[:, ::2]
    client.put_bytes(uri, array)
    assert np.array_equal(np.frombuffer(client.get_bytes_view(uri), dtype=np.int64), array.ravel())


def test_list_stat_delete(server, client, base):
    # moto (signatures checked) refuses keys with '+', '%' or non-ASCII characters: SignatureDoesNotMatch.
    odd = "sp ace/x" if server["SERVER"] == "moto" else "sp ace+plus%pct/ü"
    keys = [f"d/{i:04d}" for i in range(1100)] + ["top", odd]
    # Enough objects for two listing pages: listings page, whatever the machine's speed.
    async def put_all():
        await asyncio.gather(*[client.put_bytes_async(base + k, k.encode()) for k in keys])
    asyncio.run(put_all())
    prefix = base.split("/", 3)[3]
    assert sorted(o.key[len(prefix):] for o in client.list(base)) == sorted(keys)
    if lists_one_level(server):
        level = {o.key[len(prefix):] for o in client.list(base, recursive=False)}
        assert level == {"d/", "top", odd.split("/")[0] + "/"}
    assert client.stat(base + odd).size == len(odd.encode())
    client.delete(base + "top")
    assert not client.exists(base + "top")
    client.delete_many(base + k for k in keys[:1100])
    assert [o.key[len(prefix):] for o in client.list(base)] == [odd]


def test_copy_and_metadata(client, base):
    uri = base + "src"
    client.put_bytes(uri, b"copied bytes", content_type="text/plain", metadata={"origin": "raws3-test"})
    info = client.stat(uri)
    assert info.content_type == "text/plain" and info.metadata.get("origin") == "raws3-test"
    client.copy(uri, base + "dst")
    assert bytes(client.get_bytes_view(base + "dst")) == b"copied bytes"


def test_an_exception_inside_the_stream_leaves_no_upload(server, client, base):
    uri = base + "aborted"
    with pytest.raises(RuntimeError):
        with client.open_stream(uri) as s:
            s.write(os.urandom(2 * PART + 1))  # a multipart upload has begun
            raise RuntimeError("the producer failed")
    assert not client.exists(uri)
    assert multipart_uploads(server, uri.split("/", 3)[3]) in ([], None)


def test_a_dropped_stream_creates_nothing(server, client, base):
    uri = base + "dropped"
    s = client.open_stream(uri)
    s.write(os.urandom(2 * PART + 1))
    del s
    assert not client.exists(uri)
    assert multipart_uploads(server, uri.split("/", 3)[3]) in ([], None)


def test_module_level_functions_use_a_default_client(server, base, monkeypatch):
    import raws3
    import raws3.client
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(k, server[k])
    monkeypatch.setenv("AWS_ENDPOINT_URL", server["S3_ENDPOINT"])
    if server.get("S3_CA_BUNDLE"):
        monkeypatch.setenv("AWS_CA_BUNDLE", server["S3_CA_BUNDLE"])
    monkeypatch.setattr(raws3.client, "_default", None)
    raws3.put_bytes(base + "m", b"module")
    assert bytes(raws3.get_bytes_view(base + "m")) == b"module"
    assert raws3.stat(base + "m").size == 6
    raws3.default_client().close()
