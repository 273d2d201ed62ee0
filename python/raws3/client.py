"""raws3.Client: librawS3 from Python."""

from __future__ import annotations

import asyncio
import atexit
import functools
import inspect
import os
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Union

from . import _raws3
from ._errors import Error, S3Error
from ._io import ObjectReader, ObjectWriter, contiguous, writable_contiguous
from ._uri import RangeLike, S3Uri, byte_range, parse

PathLike = Union[str, "os.PathLike[str]"]

# Clients still open: closed at exit, before the interpreter stops (a loop thread finishing an
# asynchronous call needs the interpreter to hand its result over).
_open_clients: "weakref.WeakSet[Client]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for client in list(_open_clients):
        client.close()


def _with_uri(error: Error, uri: str) -> Error:
    """error, its message led by the URI it concerns (the native layer names the call, not the URI)."""
    if error.args and isinstance(error.args[0], str) and uri not in error.args[0]:
        error.args = (f"{uri}: {error.args[0]}",) + error.args[1:]
    return error


def _names_uri(method: Any) -> Any:
    """Errors of method(self, uri, ...) name uri."""
    if inspect.iscoroutinefunction(method):
        @functools.wraps(method)
        async def awaited(self: Any, uri: str, *args: Any, **kwargs: Any) -> Any:
            try:
                return await method(self, uri, *args, **kwargs)
            except Error as e:
                raise _with_uri(e, uri) from None
        return awaited

    @functools.wraps(method)
    def called(self: Any, uri: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, uri, *args, **kwargs)
        except Error as e:
            raise _with_uri(e, uri) from None
    return called


@dataclass(frozen=True)
class ObjectInfo:
    """What a listing or ``stat`` tells of an object. For a listing without ``recursive``, a common
    prefix (a "directory") comes as an ObjectInfo with ``is_dir`` set and only ``key``."""

    key: str
    size: int = 0
    etag: str = ""
    last_modified: str = ""
    storage_class: str = ""
    content_type: str = ""
    metadata: Dict[str, str] = field(default_factory=dict)
    is_dir: bool = False
    bucket: str = ""
    scheme: str = "s3"

    @property
    def uri(self) -> str:
        return f"{self.scheme}://{self.bucket}/{self.key}"


class Client:
    """An S3 (or Azure Blob) client on librawS3's event loops. Thread-safe; every call releases the GIL while bytes move.

    Arguments left as None take what s3-cli would: the ``AWS_*`` variables (``AWS_ENDPOINT_URL``,
    ``AWS_REGION``, ``AWS_PROFILE``, ``AWS_CA_BUNDLE``...), the shared config and credentials files,
    and for the tuning the ``RAWS3_*`` variables (``RAWS3_THREADS``, ``RAWS3_PUT_PART_SIZE``...).

    endpoint_url: e.g. ``"http://127.0.0.1:9000"`` (MinIO); None for AWS.
    addressing: ``"auto"`` (virtual-hosted on AWS, path style elsewhere), ``"path"`` or ``"virtual"``.
    verify_ssl: False accepts any TLS certificate. threads: event loops (0: one per core).
    max_conns: connections per loop. part_size: bytes per upload part and GET range (5 MiB to 5 GiB).
    inflight: parts in flight per transfer. checksum: ``"crc32c"`` (default), ``"md5"`` or ``"none"``,
    sent with every upload for the server to verify. checksum_mode: whether whole-object downloads are
    checked against the server's checksum, ``"when-available"`` (default; else ``RAWS3_CHECKSUM_MODE``),
    ``"required"`` (an object without one raises ``IntegrityError``) or ``"off"``; bytes that do not
    match are fetched once more, then raise ``IntegrityError``. anonymous: unsigned requests (public buckets).
    log_level: ``"debug"``, ``"info"``, ``"warn"``, ``"error"`` or None (off), to stderr.
    aws_access_key_id, aws_secret_access_key, aws_session_token: static credentials (boto3's names);
    None looks them up as awscli does (variables, profile, assume-role, web identity,
    container and instance metadata), refreshing temporary ones before they expire.

    service: ``"s3"`` (default) or ``"azure"``: Azure Blob storage, whose objects are ``az://container/blob``
    and every method means the same (an upload is staged blocks committed at the end). Its account is
    azure_connection_string, or azure_account with azure_key or azure_sas_token, else as the Azure CLI
    finds it (``AZURE_STORAGE_CONNECTION_STRING``, ``AZURE_STORAGE_ACCOUNT`` with ``AZURE_STORAGE_KEY`` or
    ``AZURE_STORAGE_SAS_TOKEN``); endpoint_url is the Blob service's (Azurite:
    ``"http://127.0.0.1:10000/devstoreaccount1"``), else the connection string's or the account's in Azure.

    A Client made before ``fork()`` (DataLoader workers) works in the child: the child's first call
    gives it loops of its own. ``close()`` (or ``with``) ends it; calls in flight then raise
    ``raws3.Cancelled``. Memory returned by ``get_bytes_view`` outlives the client.
    """

    def __init__(self, endpoint_url: Optional[str] = None, region: Optional[str] = None,
                 profile: Optional[str] = None, addressing: str = "auto", ca_bundle: Optional[str] = None,
                 verify_ssl: bool = True, threads: int = 0, max_conns: Optional[int] = None,
                 part_size: Optional[int] = None, inflight: Optional[int] = None, checksum: str = "crc32c",
                 anonymous: bool = False, log_level: Optional[str] = None,
                 aws_access_key_id: Optional[str] = None, aws_secret_access_key: Optional[str] = None,
                 aws_session_token: Optional[str] = None, checksum_mode: Optional[str] = None,
                 service: str = "s3", azure_account: Optional[str] = None, azure_key: Optional[str] = None,
                 azure_sas_token: Optional[str] = None, azure_connection_string: Optional[str] = None):
        if checksum not in ("crc32c", "md5", "none"):
            raise ValueError(f"checksum must be 'crc32c', 'md5' or 'none', not {checksum!r}")
        if service not in ("s3", "azure"):
            raise ValueError(f"service must be 's3' or 'azure', not {service!r}")
        self._checksum = checksum
        self._scheme = "az" if service == "azure" else "s3"
        self._native = _raws3.NativeClient(endpoint_url, region, profile, addressing, ca_bundle, verify_ssl,
                                           anonymous, threads or None, max_conns, part_size, inflight,
                                           log_level, aws_access_key_id, aws_secret_access_key,
                                           aws_session_token, checksum_mode, service, azure_account, azure_key,
                                           azure_sas_token, azure_connection_string)
        _open_clients.add(self)

    def _parse(self, uri: str, need_key: bool = True) -> S3Uri:
        return parse(uri, need_key=need_key, scheme=self._scheme)

    # What the configuration resolved to.
    @property
    def region(self) -> str:
        return self._native.region

    @property
    def endpoint_url(self) -> str:
        return self._native.endpoint_url

    @property
    def io_backend(self) -> str:
        """``"io_uring"`` or ``"epoll"`` (where io_uring is refused, e.g. in a default Docker container)."""
        return self._native.io_backend

    @property
    def part_size(self) -> int:
        return self._native.part_size

    def close(self) -> None:
        """Cancels what is in flight, waits for it, and frees the client's loops. Idempotent."""
        self._native.close()
        _open_clients.discard(self)

    def cancel(self) -> None:
        """Makes every call in flight, and every later one, raise raws3.Cancelled."""
        self._native.cancel()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"raws3.Client(endpoint_url={self.endpoint_url!r}, region={self.region!r})"

    # Downloads.
    @_names_uri
    def get_bytes_view(self, uri: str, writable: bool = False, range: RangeLike = None) -> memoryview:
        """The object (or ``range``, the bytes [start, end)) as a memoryview over native memory the GET
        landed in once: no copy is made. The memory lives while any view of it (or numpy array over it)
        does. ``writable=True`` gives a writable view. Large objects come as concurrent ranged GETs."""
        u = self._parse(uri)
        return self._native.get_view(u.bucket, u.key, writable, byte_range(range))

    @_names_uri
    def get_bytes(self, uri: str, range: RangeLike = None) -> bytes:
        """The object as ``bytes`` (a copy; ``get_bytes_view`` makes none)."""
        return bytes(self.get_bytes_view(uri, range=range))

    @_names_uri
    def get_into(self, uri: str, buf: Any, range: RangeLike = None) -> int:
        """Receives the object (or ``range``) straight into ``buf``, any writable C-contiguous buffer
        (bytearray, numpy array, CPU torch tensor). Returns the bytes received; an object larger than
        ``buf`` raises raws3.Error and writes nothing past its end."""
        u = self._parse(uri)
        return self._native.get_into(u.bucket, u.key, writable_contiguous(buf), byte_range(range))

    @_names_uri
    def download_file(self, uri: str, path: PathLike) -> ObjectInfo:
        """Writes the object to ``path`` through a temporary file renamed into place when complete: a
        failed download leaves no partial file."""
        u = self._parse(uri)
        head = self._native.download_file(u.bucket, u.key, os.fspath(path))
        return _info(u, head)

    @_names_uri
    def open(self, uri: str, mode: str = "rb", **kwargs: Any) -> Union[ObjectReader, ObjectWriter]:
        """``"rb"``: a seekable reader with readahead (``block_size``, ``readahead``); ``"wb"``:
        ``open_stream(uri, **kwargs)``."""
        if mode in ("rb", "r"):
            return ObjectReader(self._native, self._parse(uri), **kwargs)
        if mode in ("wb", "w"):
            return self.open_stream(uri, **kwargs)
        raise ValueError(f"mode must be 'rb' or 'wb', not {mode!r}")

    # Uploads.
    @_names_uri
    def put_bytes(self, uri: str, data: Any, content_type: Optional[str] = None,
                  metadata: Optional[Dict[str, str]] = None) -> str:
        """Uploads any buffer (bytes, bytearray, memoryview, numpy array, CPU tensor) from the caller's
        memory, without a copy: one PutObject up to one part, else a multipart upload sent in concurrent
        parts. A non-contiguous buffer is copied once. Returns the ETag."""
        u = self._parse(uri)
        return self._native.put(u.bucket, u.key, contiguous(data), content_type, metadata, self._checksum)["etag"]

    def upload_file(self, path: PathLike, uri: str, content_type: Optional[str] = None,
                    metadata: Optional[Dict[str, str]] = None) -> str:
        """Uploads a local file (multipart above one part, read straight into the upload's chunks).
        Returns the ETag."""
        u = self._parse(uri)
        try:
            return self._native.upload_file(u.bucket, u.key, os.fspath(path), content_type, metadata,
                                            self._checksum)["etag"]
        except Error as e:
            raise _with_uri(e, uri) from None

    @_names_uri
    def open_stream(self, uri: str, content_type: Optional[str] = None,
                    metadata: Optional[Dict[str, str]] = None) -> ObjectWriter:
        """A file-like writer (``io.RawIOBase``) that uploads as it is written, in constant memory. Use it
        in ``with``: leaving normally completes the object, an exception aborts the upload."""
        u = self._parse(uri)
        return ObjectWriter(self._native.writer(u.bucket, u.key, content_type, metadata, self._checksum), u)

    # Objects.
    @_names_uri
    def stat(self, uri: str) -> ObjectInfo:
        """HEAD: size, ETag, Last-Modified, content type and metadata. A missing object raises
        raws3.NotFound (a FileNotFoundError)."""
        u = self._parse(uri)
        return _info(u, self._native.head(u.bucket, u.key))

    def exists(self, uri: str) -> bool:
        try:
            self.stat(uri)
        except FileNotFoundError:
            return False
        return True

    def list(self, uri: str, recursive: bool = True) -> Iterator[ObjectInfo]:
        """The objects under ``s3://bucket/prefix``, page by page as the server sends them (memory stays
        one page whatever the count). Without ``recursive``, one level: keys up to the next "/" and the
        common prefixes below it (``is_dir``)."""
        u = self._parse(uri, need_key=False)
        token = ""
        while True:
            try:
                objects, prefixes, token = self._native.list_page(u.bucket, u.key, "" if recursive else "/",
                                                                  token or "", "", 1000)
            except Error as e:
                raise _with_uri(e, uri) from None
            for key, size, etag, last_modified, storage_class in objects:
                yield ObjectInfo(key=key, size=size, etag=etag, last_modified=last_modified,
                                 storage_class=storage_class, bucket=u.bucket, scheme=u.scheme)
            for prefix in prefixes:
                yield ObjectInfo(key=prefix, is_dir=True, bucket=u.bucket, scheme=u.scheme)
            if not token:
                return

    @_names_uri
    def delete(self, uri: str) -> None:
        """Deletes one object (S3 answers success for a key that does not exist)."""
        u = self._parse(uri)
        self._native.delete(u.bucket, u.key)

    def delete_many(self, uris: Iterable[str]) -> None:
        """Deletes objects in batches of up to 1,000 per request (DeleteObjects), bucket by bucket.
        Raises raws3.S3Error naming the first key the server refused, after trying every one."""
        by_bucket: Dict[str, List[str]] = {}
        for uri in uris:
            u = self._parse(uri)
            by_bucket.setdefault(u.bucket, []).append(u.key)
        failures = []
        for bucket, keys in by_bucket.items():
            failures += [(bucket, *f) for f in self._native.delete_many(bucket, keys)]
        if failures:
            bucket, key, code, message = failures[0]
            raise S3Error(f"{self._scheme}://{bucket}/{key}: {code}: {message} ({len(failures)} of the objects were not "
                          "deleted)", code=code)

    @_names_uri
    def copy(self, src: str, dst: str) -> str:
        """Server-side copy; returns the new object's ETag."""
        s, d = self._parse(src), self._parse(dst)
        return self._native.copy(s.bucket, s.key, d.bucket, d.key)

    @_names_uri
    def presign(self, uri: str, expires: int = 3600, method: str = "GET") -> str:
        """A presigned URL valid for ``expires`` seconds (needs no network)."""
        u = self._parse(uri)
        return self._native.presign(u.bucket, u.key, expires, method)

    # asyncio: each call is one request (a GET of the whole object, or of range) started on the
    # client's loops and awaited without a thread of its own.
    @_names_uri
    async def get_bytes_view_async(self, uri: str, writable: bool = False, range: RangeLike = None) -> memoryview:
        """``get_bytes_view`` for asyncio, in one GET request."""
        u = self._parse(uri)
        return await _awaited(self._native.get_view_start(u.bucket, u.key, writable, byte_range(range)))

    @_names_uri
    async def put_bytes_async(self, uri: str, data: Any, content_type: Optional[str] = None,
                              metadata: Optional[Dict[str, str]] = None) -> str:
        """``put_bytes`` for asyncio. ``data`` must not change until the call returns."""
        u = self._parse(uri)
        pending = self._native.put_start(u.bucket, u.key, contiguous(data), content_type, metadata,
                                         self._checksum)
        return (await _awaited(pending))["etag"]

    @_names_uri
    def start_get(self, uri: str, writable: bool = False, range: RangeLike = None) -> "_raws3.Pending":
        """Starts a GET and returns at once; ``.result()`` waits for its memoryview. Many may be in
        flight: the datasets fetch batches of small objects this way."""
        u = self._parse(uri)
        return self._native.get_view_start(u.bucket, u.key, writable, byte_range(range))


async def _awaited(pending: "_raws3.Pending") -> Any:
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle() -> None:
        if future.cancelled():
            return
        try:
            future.set_result(pending.result())
        except BaseException as e:  # noqa: B902 - handed to the awaiting task
            future.set_exception(e)

    def schedule() -> None:
        # On a loop thread: only hands the settling to the event loop's own thread — if it still runs
        # (a loop closed while the call was in flight has no one left to tell).
        try:
            loop.call_soon_threadsafe(settle)
        except RuntimeError:
            pass

    pending.add_done_callback(schedule)
    return await future


def _info(u: S3Uri, head: Dict[str, Any]) -> ObjectInfo:
    return ObjectInfo(key=u.key, size=head["size"], etag=head["etag"], last_modified=head["last_modified"],
                      content_type=head["content_type"], metadata=dict(head["metadata"]), bucket=u.bucket,
                      scheme=u.scheme)


_default: Optional[Client] = None
_default_lock = threading.Lock()


def default_client() -> Client:
    """The client the module-level functions use, made on first use from the environment."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Client()
        return _default
