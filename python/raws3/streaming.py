"""Saving and loading torch state, pickles and numpy arrays as S3 objects, streamed.

Saves run through the streaming writer, so memory stays at the upload's ring of chunks (large buffers go
straight from their own memory); loads land the bytes once, in memory the result keeps.

    from raws3.streaming import save_torch_state, load_torch_state
    save_torch_state(model.state_dict(), "s3://bucket/ckpt.pt")
    model.load_state_dict(load_torch_state("s3://bucket/ckpt.pt"))
"""

from __future__ import annotations

import io
import pickle
import struct
from typing import Any, List, Optional

from .client import Client, default_client

__all__ = ["save_torch_state", "load_torch_state", "save_pickle", "load_pickle", "save_numpy", "load_numpy"]

# save_pickle's layout: magic, pickle length, buffer count, each buffer's length; then the pickle and
# the buffers, each as it lies in memory.
_PICKLE_MAGIC = b"RAWS3PK5"
_PICKLE_HEAD = struct.Struct("<8sQI")
_LENGTH = struct.Struct("<Q")
# What load_numpy asks for first: the .npy header of any ordinary array.
_NPY_FIRST_READ = 4096


def _client(client: Optional[Client]) -> Client:
    return client if client is not None else default_client()


def save_torch_state(state: Any, uri: str, client: Optional[Client] = None) -> str:
    """``torch.save(state)`` streamed into the object; returns its ETag. Each tensor's storage is sent
    from the tensor's own memory."""
    import torch

    with _client(client).open_stream(uri) as stream:
        torch.save(state, stream)
    return stream.etag or ""


def load_torch_state(uri: str, client: Optional[Client] = None, map_location: Any = None, **kwargs: Any) -> Any:
    """``torch.load`` through the seekable reader: each tensor's bytes land straight in its storage, so
    memory stays near the checkpoint's size. kwargs go to torch.load."""
    import torch

    with _client(client).open(uri, "rb") as reader:
        return torch.load(reader, map_location=map_location, **kwargs)


def save_pickle(obj: Any, uri: str, client: Optional[Client] = None) -> str:
    """Pickles obj with protocol 5, its out-of-band buffers (numpy arrays, PickleBuffers) written from
    their own memory after the pickle: no copy of the data is made. Read it with load_pickle."""
    buffers: List[pickle.PickleBuffer] = []
    data = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    with _client(client).open_stream(uri, content_type="application/octet-stream") as stream:
        head = _PICKLE_HEAD.pack(_PICKLE_MAGIC, len(data), len(raws)) + b"".join(
            _LENGTH.pack(r.nbytes) for r in raws)
        stream.write(head)
        stream.write(data)
        for r in raws:
            stream.write(r)
    return stream.etag or ""


def load_pickle(uri: str, client: Optional[Client] = None) -> Any:
    """What save_pickle saved. The object lands once in native memory and its out-of-band buffers are
    views of it: numpy arrays inside are writable and share that memory."""
    view = _client(client).get_bytes_view(uri, writable=True)
    if len(view) < _PICKLE_HEAD.size or bytes(view[:8]) != _PICKLE_MAGIC:
        raise ValueError(f"{uri} was not written by raws3.streaming.save_pickle")
    _, data_length, count = _PICKLE_HEAD.unpack_from(view)
    at = _PICKLE_HEAD.size
    lengths = [_LENGTH.unpack_from(view, at + i * _LENGTH.size)[0] for i in range(count)]
    at += count * _LENGTH.size
    data = view[at:at + data_length]
    at += data_length
    buffers = []
    for n in lengths:
        buffers.append(view[at:at + n])
        at += n
    if at != len(view):
        raise ValueError(f"{uri} is {len(view)} bytes, not the {at} its save_pickle header describes")
    return pickle.loads(data, buffers=buffers)


def save_numpy(array: Any, uri: str, client: Optional[Client] = None) -> str:
    """Writes array as a .npy file: the header, then the array's memory as it lies (no copy for C- or
    Fortran-ordered arrays). numpy.load reads the result too."""
    import numpy as np
    from numpy.lib import format as npy

    array = np.asanyarray(array)
    if array.dtype.hasobject:
        raise TypeError("save_numpy writes plain data: an object array needs save_pickle")
    if not (array.flags.c_contiguous or array.flags.f_contiguous):
        array = np.ascontiguousarray(array)
    header = io.BytesIO()
    npy.write_array_header_2_0(header, npy.header_data_from_array_1_0(array))
    # A Fortran-ordered array's memory is its transpose's in C order.
    memory = array.T if (array.flags.f_contiguous and not array.flags.c_contiguous) else array
    with _client(client).open_stream(uri, content_type="application/x-npy") as stream:
        stream.write(header.getvalue())
        stream.write(memory.reshape(-1).view(np.uint8))
    return stream.etag or ""


def load_numpy(uri: str, client: Optional[Client] = None) -> Any:
    """A .npy object as a new numpy array, its bytes received straight into the array's memory."""
    import numpy as np
    from numpy.lib import format as npy

    c = _client(client)
    # The magic, the version, the header's length and (numpy pads it to 64 bytes) nearly always the whole
    # header in the first request; a longer header (many fields) takes a second.
    prefix = bytes(c.get_bytes_view(uri, range=(0, _NPY_FIRST_READ)))
    if not prefix.startswith(b"\x93NUMPY") or len(prefix) < 12:
        raise ValueError(f"{uri} is not a .npy file")
    major = prefix[6]
    if major == 1:
        header_end = 10 + struct.unpack_from("<H", prefix, 8)[0]
    else:
        header_end = 12 + struct.unpack_from("<I", prefix, 8)[0]
    if header_end > len(prefix):
        prefix = bytes(c.get_bytes_view(uri, range=(0, header_end)))
    head = io.BytesIO(prefix[:header_end])
    version = npy.read_magic(head)
    read_header = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}.get(version)
    if read_header is None:
        raise ValueError(f"{uri} is a .npy file of version {version}, which load_numpy does not read")
    shape, fortran_order, dtype = read_header(head)
    if dtype.hasobject:
        raise ValueError(f"{uri} holds Python objects, which load_numpy does not unpickle")
    array = np.empty(shape, dtype=dtype, order="F" if fortran_order else "C")
    if array.nbytes:
        target = array.T if fortran_order else array
        got = c.get_into(uri, target.reshape(-1).view(np.uint8), range=(header_end, header_end + array.nbytes))
        if got != array.nbytes:
            raise ValueError(f"{uri} holds {got} bytes of data where its header promises {array.nbytes}")
    return array
