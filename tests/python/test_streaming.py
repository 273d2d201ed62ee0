"""raws3.streaming and torch.load through the seekable reader: what is saved loads back equal."""

import io
import os
import pickle

import numpy as np
import pytest
import torch

from raws3.streaming import load_numpy, load_pickle, load_torch_state, save_numpy, save_pickle, save_torch_state


def test_torch_state_dict_round_trip(one_client, one_base):
    model = torch.nn.Sequential(torch.nn.Linear(512, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 2048))
    state = model.state_dict()
    uri = one_base + "model.pt"
    save_torch_state(state, uri, client=one_client)
    loaded = load_torch_state(uri, client=one_client)
    assert state.keys() == loaded.keys()
    for k in state:
        assert torch.equal(state[k], loaded[k]), k
    # What we wrote is torch.save's own format: torch reads it from plain bytes too.
    plain = torch.load(io.BytesIO(bytes(one_client.get_bytes_view(uri))))
    assert all(torch.equal(plain[k], state[k]) for k in state)


def test_torch_load_through_open(one_client, one_base):
    buf = io.BytesIO()
    tensors = {"a": torch.arange(3_000_000, dtype=torch.float32), "b": torch.ones(7, dtype=torch.int8)}
    torch.save(tensors, buf)
    uri = one_base + "t.pt"
    one_client.put_bytes(uri, buf.getbuffer())
    with one_client.open(uri, "rb", block_size=1 << 20, readahead=3) as f:
        loaded = torch.load(f)
    assert torch.equal(loaded["a"], tensors["a"]) and torch.equal(loaded["b"], tensors["b"])


def test_pickle_round_trip_with_out_of_band_buffers(one_client, one_base):
    obj = {"weights": np.random.default_rng(1).standard_normal((700, 900)), "name": "run-7",
           "ints": np.arange(10, dtype=np.int16), "empty": np.zeros(0), "nested": [1, (2, 3)]}
    uri = one_base + "obj.pkl"
    save_pickle(obj, uri, client=one_client)
    loaded = load_pickle(uri, client=one_client)
    assert loaded["name"] == "run-7" and loaded["nested"] == [1, (2, 3)]
    for k in ("weights", "ints", "empty"):
        assert np.array_equal(loaded[k], obj[k]) and loaded[k].dtype == obj[k].dtype
    # The array is a view of the landed bytes, and writable.
    loaded["weights"][0, 0] = 42.0
    one_client.put_bytes(one_base + "other", pickle.dumps(obj))
    with pytest.raises(ValueError, match="save_pickle"):
        load_pickle(one_base + "other", client=one_client)


@pytest.mark.parametrize("make", [
    lambda: np.arange(2_000_003, dtype=np.float64),
    lambda: np.asfortranarray(np.arange(600 * 700, dtype=np.int32).reshape(600, 700)),
    lambda: np.arange(24, dtype=np.uint8).reshape(2, 3, 4)[:, ::2],  # neither C nor Fortran ordered
    lambda: np.array(3.5),
    lambda: np.zeros((0, 5), dtype=np.complex64),
    lambda: np.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")]),
])
def test_numpy_round_trip(one_client, one_base, make, tmp_path):
    array = make()
    uri = one_base + "a.npy"
    save_numpy(array, uri, client=one_client)
    loaded = load_numpy(uri, client=one_client)
    assert loaded.shape == array.shape and loaded.dtype == array.dtype and np.array_equal(loaded, array)
    # A real .npy file: numpy itself reads it.
    path = tmp_path / "a.npy"
    one_client.download_file(uri, path)
    assert np.array_equal(np.load(path), array)


def test_load_numpy_reads_numpy_s_own_files(one_client, one_base, tmp_path):
    array = np.random.default_rng(2).integers(0, 1000, size=(300, 301))
    path = tmp_path / "own.npy"
    np.save(path, array)
    one_client.upload_file(path, one_base + "own.npy")
    assert np.array_equal(load_numpy(one_base + "own.npy", client=one_client), array)
    one_client.put_bytes(one_base + "not.npy", os.urandom(100))
    with pytest.raises(ValueError, match="not a .npy"):
        load_numpy(one_base + "not.npy", client=one_client)
