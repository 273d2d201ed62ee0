"""Downloads through the Python package checked against the server's checksums.

The fault server states them as S3 does (whole-object GET: the object's, composite after a multipart
upload; partNumber GET: the part's; ranged GET: none). Every way to read a whole object (get_bytes,
get_bytes_view, get_into, the async view) on a 1 MiB object (one request), a 40 MiB multipart one
(fetched part by part) and a 40 MiB one of a single PutObject (ranges whose CRCs combine): one flipped
byte is fetched again and the bytes come back exact; a byte flipped on every answer raises
IntegrityError. checksum_mode="required" refuses an object without a checksum; "off" checks nothing.
"""
import asyncio

import numpy as np
import pytest

import raws3
from conftest import MiB, random_bytes, sha256

OBJECTS = {"small": 1 * MiB, "multipart": 40 * MiB, "single": 40 * MiB}


@pytest.fixture(scope="module")
def objects(faults):
    data = {name: random_bytes(size, seed=size + len(name)) for name, size in OBJECTS.items()}
    faults.put("b", "single", data["single"])
    faults.put("b", "small", data["small"])
    with raws3.Client(endpoint_url=faults.url, region="us-east-1", aws_access_key_id="fault",
                      aws_secret_access_key="fault", part_size=8 * MiB) as c:
        c.put_bytes("s3://b/multipart", data["multipart"])
    return data


def read_into(client, uri, size):
    buf = np.empty(size, dtype=np.uint8)
    assert client.get_into(uri, buf) == size
    return buf


READERS = {
    "get_bytes": lambda c, uri, size: c.get_bytes(uri),
    "get_bytes_view": lambda c, uri, size: c.get_bytes_view(uri),
    "get_into": read_into,
    "get_bytes_view_async": lambda c, uri, size: asyncio.run(c.get_bytes_view_async(uri)),
}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("name", OBJECTS)
def test_a_flipped_byte_is_fetched_again(faults, fault_client, objects, reader, name):
    # The first answer of the 40 MiB objects is given up at its head (it shows the plan): the flip goes
    # to the one after it.
    faults.arm("GetObject", "flip_byte", count=1, key=name, skip=0 if name == "small" else 1)
    faults.clear_log()
    got = READERS[reader](fault_client, f"s3://b/{name}", OBJECTS[name])
    assert sha256(got) == sha256(objects[name])
    assert [e["fault"] for e in faults.log()].count("flip_byte") == 1


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("name", OBJECTS)
def test_a_byte_flipped_on_every_answer_is_an_integrity_error(faults, fault_client, objects, reader, name):
    faults.arm("GetObject", "flip_byte", count=-1, key=name)
    with pytest.raises(raws3.IntegrityError, match="checksum: the server says CRC32C"):
        READERS[reader](fault_client, f"s3://b/{name}", OBJECTS[name])


def test_required_refuses_an_object_without_a_checksum_and_off_checks_nothing(faults, objects):
    def client(mode):
        return raws3.Client(endpoint_url=faults.url, region="us-east-1", aws_access_key_id="fault",
                            aws_secret_access_key="fault", checksum_mode=mode)

    faults.arm("GetObject", "no_checksum", count=-1, key="small")
    with client("required") as c, pytest.raises(raws3.IntegrityError, match="'required'"):
        c.get_bytes("s3://b/small")
    with client("when-available") as c:
        assert sha256(c.get_bytes("s3://b/small")) == sha256(objects["small"])
    faults.disarm()
    faults.arm("GetObject", "flip_byte", count=-1, key="small")
    with client("off") as c:
        assert sha256(c.get_bytes("s3://b/small")) != sha256(objects["small"])
    faults.disarm()
    with pytest.raises(raws3.ConfigError, match="checksum_mode"):
        client("sometimes")
