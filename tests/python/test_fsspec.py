"""raws3.fsspec: fsspec's calls on protocol raws3 behave as on any fsspec filesystem."""

import os

import fsspec
import pytest

import raws3.fsspec  # noqa: F401 - registers the protocol


@pytest.fixture
def fs(one_client):
    return fsspec.filesystem("raws3", client=one_client, skip_instance_cache=True)


def test_pipe_cat_ranges_info_ls_open(fs, one_base):
    path = one_base[len("s3://"):]
    data = os.urandom(300_000)
    fs.pipe(path + "dir/a.bin", data)
    fs.pipe(path + "dir/b.txt", b"hello fsspec")
    assert fs.cat(path + "dir/a.bin") == data
    assert fs.cat_file(path + "dir/a.bin", start=10, end=20) == data[10:20]
    assert fs.cat_file(path + "dir/a.bin", start=-5) == data[-5:]
    assert fs.cat_ranges([path + "dir/a.bin"] * 3, [0, 100, 299_990], [10, 200, 300_000]) == \
        [data[0:10], data[100:200], data[299_990:]]
    info = fs.info(path + "dir/a.bin")
    assert info["type"] == "file" and info["size"] == len(data)
    assert fs.info(path + "dir")["type"] == "directory"
    assert sorted(fs.ls(path + "dir", detail=False)) == [path + "dir/a.bin", path + "dir/b.txt"]
    with fs.open(path + "dir/a.bin", "rb") as f:
        f.seek(1000)
        assert f.read(50) == data[1000:1050]
    with fs.open(path + "dir/c.bin", "wb") as f:
        f.write(b"written through fsspec")
    assert fs.cat(path + "dir/c.bin") == b"written through fsspec"
    with fsspec.open("raws3://" + path + "dir/b.txt", "rt", client=fs.client) as f:
        assert f.read() == "hello fsspec"
    fs.rm(path + "dir/c.bin")
    assert not fs.exists(path + "dir/c.bin")
    with pytest.raises(FileNotFoundError):
        fs.info(path + "nothing-here")
