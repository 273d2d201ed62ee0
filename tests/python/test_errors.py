"""Bad input and misbehaving servers raise the right exception, with a clear message, and leave nothing
behind: a malformed URI, a missing key, wrong credentials, buffers that cannot take the bytes, a server
that fails mid-transfer, hangs, or is cancelled under a call."""

import os
import threading
import time

import numpy as np
import pytest

import raws3
from conftest import PART, client_for


def test_malformed_uris_are_value_errors(client):
    for uri, why in [("bucket/key", "must start with s3://"), ("s3://", "names no bucket"),
                     ("s3://bucket", "names no object"), ("s3:///key", "names no bucket")]:
        with pytest.raises(raws3.ConfigError, match=why) as e:
            client.get_bytes_view(uri)
        assert isinstance(e.value, ValueError)
    with pytest.raises(TypeError, match="must be a str"):
        client.stat(42)
    with pytest.raises(raws3.ConfigError, match="empty or negative"):
        client.get_bytes_view("s3://b/k", range=(5, 5))


def test_a_missing_key_is_a_file_not_found_error(server, client, base):
    uri = base + "missing"
    for call in (client.get_bytes_view, client.stat, lambda u: client.get_into(u, bytearray(8)),
                 lambda u: client.open(u, "rb")):
        with pytest.raises(FileNotFoundError) as e:
            call(uri)
        assert isinstance(e.value, raws3.S3Error) and e.value.status == 404
        assert uri in str(e.value)
    with pytest.raises(raws3.NotFound) as e:
        client.get_bytes_view(uri)
    assert e.value.code == "NoSuchKey" and e.value.request_id is not None


def test_a_missing_bucket(server):
    c = client_for(server)
    with pytest.raises(FileNotFoundError) as e:
        c.get_bytes_view("s3://raws3-no-such-bucket-here/k")
    assert e.value.code in ("NoSuchBucket", "NoSuchKey")
    c.close()


def test_wrong_credentials_are_a_permission_error(server, base):
    c = client_for(dict(server, AWS_SECRET_ACCESS_KEY="wrong" + server["AWS_SECRET_ACCESS_KEY"]))
    with pytest.raises(PermissionError) as e:
        c.put_bytes(base + "denied", b"x")
    assert isinstance(e.value, raws3.S3Error) and e.value.status == 403
    assert e.value.code in ("SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied")
    c.close()


def test_buffers_that_cannot_take_the_bytes(client, base):
    uri = base + "ten"
    client.put_bytes(uri, b"0123456789")
    with pytest.raises(TypeError, match="read-only"):
        client.get_into(uri, b"immutable bytes")
    with pytest.raises(TypeError, match="read-only"):
        client.get_into(uri, memoryview(bytearray(20)).toreadonly())
    with pytest.raises(TypeError, match="not C-contiguous"):
        client.get_into(uri, np.zeros((4, 10), dtype=np.uint8)[:, ::2])
    with pytest.raises(TypeError, match="must be a buffer"):
        client.get_into(uri, "a str")
    small = bytearray(4)
    with pytest.raises(raws3.Error, match="10 bytes"):
        client.get_into(uri, small)
    with pytest.raises(TypeError, match="must be a buffer"):
        client.put_bytes(uri, 12345)


def test_bad_options_are_value_errors():
    with pytest.raises(ValueError, match="part_size"):
        raws3.Client(endpoint_url="http://127.0.0.1:1", part_size=1 << 20)
    with pytest.raises(ValueError, match="addressing"):
        raws3.Client(endpoint_url="http://127.0.0.1:1", addressing="sideways")
    with pytest.raises(ValueError, match="checksum"):
        raws3.Client(endpoint_url="http://127.0.0.1:1", checksum="sha3")
    with pytest.raises(raws3.ConfigError):
        raws3.Client(endpoint_url="not a url at all")


def test_nothing_listening_is_a_network_error():
    c = raws3.Client(endpoint_url="http://127.0.0.1:1", aws_access_key_id="a", aws_secret_access_key="b")
    with pytest.raises(ConnectionError) as e:
        c.stat("s3://b/k")
    assert isinstance(e.value, raws3.NetworkError)
    c.close()


# The fault server: failures the real servers do not produce on demand.

def test_a_reset_mid_body_is_retried(faults, fault_client):
    data = os.urandom(3 * PART)
    faults.put("b", "reset", data)
    faults.arm("GetObject", "reset_mid_body", count=2, key="reset")
    assert bytes(fault_client.get_bytes_view("s3://b/reset")) == data


def test_a_failing_part_aborts_the_stream_and_leaves_no_upload(faults, fault_client):
    faults.arm("UploadPart", "access_denied", count=100)
    with pytest.raises(PermissionError):
        with fault_client.open_stream("s3://b/fails") as s:
            for _ in range(4):
                s.write(os.urandom(PART))
    assert faults.uploads() == []
    assert faults.get("b", "fails") is None


def test_cancel_from_another_thread_ends_a_stalled_get(faults, fault_client):
    faults.put("b", "stall", os.urandom(1000))
    faults.arm("GetObject", "stall", count=10, key="stall", seconds=30)
    threading.Timer(0.5, fault_client.cancel).start()
    started = time.monotonic()
    with pytest.raises(raws3.Cancelled):
        fault_client.get_bytes_view("s3://b/stall")
    assert time.monotonic() - started < 10


def test_closing_the_client_under_an_async_call(faults):
    import asyncio
    c = raws3.Client(endpoint_url=faults.url, aws_access_key_id="fault", aws_secret_access_key="fault")
    faults.put("b", "slow", b"x" * 100)
    faults.arm("GetObject", "stall", count=10, key="slow", seconds=30)

    async def run():
        task = asyncio.ensure_future(c.get_bytes_view_async("s3://b/slow"))
        await asyncio.sleep(0.3)
        await asyncio.get_running_loop().run_in_executor(None, c.close)
        return await task
    with pytest.raises(raws3.Cancelled):
        asyncio.run(run())
    faults.disarm()
    with pytest.raises(raws3.Error, match="closed"):
        c.stat("s3://b/slow")
