"""raws3: librawS3's S3 client for Python — zero-copy GETs into Python memory, uploads from the
caller's buffers, a streaming writer, a seekable reader, asyncio forms, and helpers for torch, pickle,
numpy, PyTorch datasets and fsspec.

    import raws3
    c = raws3.Client(endpoint_url="http://127.0.0.1:9000")
    view = c.get_bytes_view("s3://bucket/key")        # memoryview over the bytes as they landed
    c.put_bytes("s3://bucket/key", numpy_array)       # sent from the array's own memory
    with c.open_stream("s3://bucket/big") as s:       # multipart upload in constant memory
        s.write(chunk)

The module-level functions below run on a default client made from the environment.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, Optional, Union

from ._errors import (AccessDenied, Cancelled, ConfigError, Error, FileError, IntegrityError, NetworkError,
                      NotFound, S3Error)
from ._io import ObjectReader, ObjectWriter
from ._uri import RangeLike
from .client import Client, ObjectInfo, PathLike, default_client

__all__ = ["Client", "ObjectInfo", "ObjectReader", "ObjectWriter", "Error", "S3Error", "NotFound",
           "AccessDenied", "ConfigError", "NetworkError", "IntegrityError", "Cancelled", "FileError",
           "default_client", "get_bytes_view", "get_bytes", "get_into", "put_bytes", "open_stream", "open",
           "stat", "exists", "list", "delete", "delete_many", "upload_file", "download_file", "copy"]


def get_bytes_view(uri: str, writable: bool = False, range: RangeLike = None) -> memoryview:
    """Client.get_bytes_view on the default client."""
    return default_client().get_bytes_view(uri, writable=writable, range=range)


def get_bytes(uri: str, range: RangeLike = None) -> bytes:
    """Client.get_bytes on the default client."""
    return default_client().get_bytes(uri, range=range)


def get_into(uri: str, buf: Any, range: RangeLike = None) -> int:
    """Client.get_into on the default client."""
    return default_client().get_into(uri, buf, range=range)


def put_bytes(uri: str, data: Any, content_type: Optional[str] = None,
              metadata: Optional[Dict[str, str]] = None) -> str:
    """Client.put_bytes on the default client."""
    return default_client().put_bytes(uri, data, content_type=content_type, metadata=metadata)


def open_stream(uri: str, content_type: Optional[str] = None,
                metadata: Optional[Dict[str, str]] = None) -> ObjectWriter:
    """Client.open_stream on the default client."""
    return default_client().open_stream(uri, content_type=content_type, metadata=metadata)


def open(uri: str, mode: str = "rb", **kwargs: Any) -> Union[ObjectReader, ObjectWriter]:  # noqa: A001
    """Client.open on the default client."""
    return default_client().open(uri, mode, **kwargs)


def stat(uri: str) -> ObjectInfo:
    """Client.stat on the default client."""
    return default_client().stat(uri)


def exists(uri: str) -> bool:
    """Client.exists on the default client."""
    return default_client().exists(uri)


def list(uri: str, recursive: bool = True) -> Iterator[ObjectInfo]:  # noqa: A001
    """Client.list on the default client."""
    return default_client().list(uri, recursive=recursive)


def delete(uri: str) -> None:
    """Client.delete on the default client."""
    default_client().delete(uri)


def delete_many(uris: Iterable[str]) -> None:
    """Client.delete_many on the default client."""
    default_client().delete_many(uris)


def upload_file(path: PathLike, uri: str, content_type: Optional[str] = None,
                metadata: Optional[Dict[str, str]] = None) -> str:
    """Client.upload_file on the default client."""
    return default_client().upload_file(path, uri, content_type=content_type, metadata=metadata)


def download_file(uri: str, path: PathLike) -> ObjectInfo:
    """Client.download_file on the default client."""
    return default_client().download_file(uri, path)


def copy(src: str, dst: str) -> str:
    """Client.copy on the default client."""
    return default_client().copy(src, dst)
