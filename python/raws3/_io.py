"""File-like objects over S3 objects: a streaming writer and a seekable reader."""

from __future__ import annotations

import io
from collections import OrderedDict
from typing import Any, Dict, Optional

from . import _raws3
from ._errors import Error
from ._uri import S3Uri


def contiguous(data: Any) -> memoryview:
    """data as a C-contiguous byte memoryview: torch tensors through numpy, other non-contiguous
    buffers copied once (the only copy raws3 makes of a caller's data)."""
    if type(data).__module__ == "torch" and hasattr(data, "numpy"):
        if data.device.type != "cpu":
            raise TypeError("raws3 sends and receives CPU tensors: move it with .cpu() first")
        data = data.detach().numpy()
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError("data must be a buffer (bytes, bytearray, memoryview, a numpy array...), not "
                        f"{type(data).__name__}") from None
    if not view.c_contiguous:
        view = memoryview(view.tobytes())
    return view.cast("B") if view.format != "B" or view.ndim != 1 else view


def writable_contiguous(buf: Any) -> Any:
    """The object to lend to get_into: torch tensors through numpy (the same memory)."""
    if type(buf).__module__ == "torch" and hasattr(buf, "numpy"):
        if buf.device.type != "cpu":
            raise TypeError("raws3 sends and receives CPU tensors: receive into a CPU tensor, then move it")
        if not buf.is_contiguous():
            raise TypeError("buffer is not contiguous (a torch tensor): pass tensor.contiguous()")
        return buf.detach().numpy()
    return buf


class ObjectWriter(io.RawIOBase):
    """A write-only stream to an S3 object (``Client.open_stream``, ``open(uri, "wb")``).

    Bytes leave as multipart upload parts while you go on writing, in constant memory. A write of at
    least one part is sent straight from your buffer and returns once the server has it; smaller writes
    are copied into the upload's ring of chunks. ``close()`` completes the object (its ETag is then in
    ``etag``); ``abort()`` — or an exception inside ``with``, or dropping the stream unclosed — leaves no
    object and no multipart upload behind.
    """

    def __init__(self, native: "_raws3.NativeWriter", uri: S3Uri):
        super().__init__()
        self._native: Optional[_raws3.NativeWriter] = native
        self.uri = uri
        self.etag: Optional[str] = None
        self.result: Optional[Dict[str, Any]] = None

    @property
    def name(self) -> str:
        return str(self.uri)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:  # type: ignore[override]
        if self._native is None:
            raise ValueError("I/O operation on a closed or aborted stream")
        return self._native.write(contiguous(data))

    def tell(self) -> int:
        return self._native.written if self._native is not None else (self.result or {}).get("size", 0)

    def close(self) -> None:
        """Completes the object. Raises (and aborts the upload) if completing fails."""
        native, self._native = self._native, None
        try:
            if native is not None:
                try:
                    self.result = native.finish()
                except BaseException:
                    native.abort()
                    raise
                self.etag = self.result["etag"]
        finally:
            super().close()

    def abort(self) -> None:
        """Gives the upload up: nothing is created, a multipart upload is aborted."""
        if self._native is not None:
            native, self._native = self._native, None
            native.abort()
        super().close()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()

    def __del__(self) -> None:
        # io.IOBase would close() — completing an object its writer dropped. Abort instead.
        if getattr(self, "_native", None) is not None:
            self.abort()


class ObjectReader(io.RawIOBase):
    """A seekable read-only stream over an S3 object (``Client.open(uri, "rb")``).

    Sequential reads are served from blocks fetched ahead in concurrent ranged GETs (``readahead``
    blocks of ``block_size`` bytes at most, which bounds its memory); a read of at least a block with
    nothing fetched there lands straight in the caller's buffer (``readinto``), in concurrent ranged GETs
    of a block each, which is how ``torch.load`` fills its tensors. The object's size and ETag are read when it opens.
    """

    def __init__(self, native: "_raws3.NativeClient", uri: S3Uri, *, block_size: int = 8 << 20,
                 readahead: int = 4):
        super().__init__()
        self._native = native
        self.uri = uri
        head = native.head(uri.bucket, uri.key)
        self.size: int = head["size"]
        self.etag: str = head["etag"]
        self._block_size = max(1, block_size)
        self._readahead = max(1, readahead)
        self._pos = 0
        self._blocks: "OrderedDict[int, _raws3.Pending]" = OrderedDict()  # block number -> its GET

    @property
    def name(self) -> str:
        return str(self.uri)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
        if pos < 0:
            raise ValueError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def _fetch(self, block: int) -> None:
        if block in self._blocks or block * self._block_size >= self.size:
            return
        start = block * self._block_size
        length = min(self._block_size, self.size - start)
        self._blocks[block] = self._native.get_view_start(self.uri.bucket, self.uri.key, False, (start, length))

    def _block(self, block: int) -> memoryview:
        self._fetch(block)
        # Keep this block and the ones after it; what lies behind is dropped.
        for old in [b for b in self._blocks if b < block or b >= block + self._readahead]:
            del self._blocks[old]
        for ahead in range(block + 1, block + self._readahead):
            self._fetch(ahead)
        view = self._blocks[block].result()
        if len(view) != min(self._block_size, self.size - block * self._block_size):
            raise Error(f"{self.uri}: a ranged GET returned {len(view)} bytes where the object has more "
                        "(did it change while being read?)")
        return view

    def readinto(self, b: Any) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("I/O operation on a closed stream")
        dest = memoryview(b).cast("B")
        n = max(0, min(len(dest), self.size - self._pos))
        if n == 0:
            return 0
        block = self._pos // self._block_size
        if n >= self._block_size and block not in self._blocks:
            self._read_direct(dest[:n])
            return n
        done = 0
        while done < n:
            block = self._pos // self._block_size
            view = self._block(block)
            at = self._pos - block * self._block_size
            take = min(n - done, len(view) - at)
            dest[done:done + take] = view[at:at + take]
            done += take
            self._pos += take
        return done

    def _read_direct(self, dest: memoryview) -> None:
        """dest filled from the current position by concurrent ranged GETs of a block each, straight into
        it: how torch.load's tensors land in their storage."""
        pieces = []
        for at in range(0, len(dest), self._block_size):
            piece = dest[at:at + self._block_size]
            pieces.append((len(piece), self._native.get_into_start(
                self.uri.bucket, self.uri.key, piece, (self._pos + at, len(piece)))))
        for want, pending in pieces:  # every GET waited for: none may write into dest after we return
            got = pending.result()
            if got != want:
                raise Error(f"{self.uri}: a ranged GET returned {got} of {want} bytes")
        self._pos += len(dest)

    def readall(self) -> bytes:
        out = bytearray(max(0, self.size - self._pos))
        self.readinto(out)
        return bytes(out)

    def close(self) -> None:
        self._blocks.clear()
        super().close()
