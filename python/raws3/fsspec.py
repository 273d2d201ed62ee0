"""An fsspec filesystem over raws3: protocol ``raws3``.

    import fsspec
    fs = fsspec.filesystem("raws3", endpoint_url="http://127.0.0.1:9000")
    fs.pipe("bucket/key", b"bytes"); fs.cat("bucket/key"); fs.ls("bucket/")
    pandas.read_csv("raws3://bucket/table.csv", storage_options={"endpoint_url": ...})

Paths are ``bucket/key`` (``raws3://`` stripped, as fsspec does). Keyword arguments are raws3.Client's.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

import fsspec
from fsspec.spec import AbstractFileSystem

from .client import Client, ObjectInfo

__all__ = ["RawS3FileSystem"]


class RawS3FileSystem(AbstractFileSystem):
    """fsspec's interface on a raws3.Client: cat, cat_ranges, pipe, open, ls, info, rm, cp, put, get."""

    protocol = ("raws3",)
    root_marker = ""

    def __init__(self, client: Optional[Client] = None, **client_kwargs: Any):
        super().__init__(**{k: v for k, v in client_kwargs.items() if k in ("skip_instance_cache",)})
        self.client = client if client is not None else Client(
            **{k: v for k, v in client_kwargs.items() if k != "skip_instance_cache"})

    @classmethod
    def _strip_protocol(cls, path: Union[str, List[str]]) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        for prefix in ("raws3://", "s3://"):
            if path.startswith(prefix):
                path = path[len(prefix):]
        return path.rstrip("/")

    @staticmethod
    def _uri(path: str) -> str:
        return "s3://" + path

    def _entry(self, info: ObjectInfo) -> Dict[str, Any]:
        name = f"{info.bucket}/{info.key}".rstrip("/")
        if info.is_dir:
            return {"name": name, "size": 0, "type": "directory"}
        return {"name": name, "size": info.size, "type": "file", "ETag": info.etag,
                "LastModified": info.last_modified, "StorageClass": info.storage_class}

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> List[Any]:
        path = self._strip_protocol(path)
        bucket, _, key = path.partition("/")
        prefix = key + "/" if key else ""
        entries = [self._entry(i) for i in self.client.list(f"s3://{bucket}/{prefix}", recursive=False)]
        if not entries and key:
            entries = [self.info(path)]  # ls of a file is that file, as in fsspec's other filesystems
        return entries if detail else [e["name"] for e in entries]

    def info(self, path: str, **kwargs: Any) -> Dict[str, Any]:
        path = self._strip_protocol(path)
        bucket, _, key = path.partition("/")
        if not key:
            return {"name": bucket, "size": 0, "type": "directory"}
        try:
            return self._entry(self.client.stat(self._uri(path)))
        except FileNotFoundError:
            pass
        for _ in self.client.list(f"s3://{bucket}/{key}/", recursive=False):
            return {"name": path, "size": 0, "type": "directory"}
        raise FileNotFoundError(f"raws3://{path}: no such object or prefix")

    def cat_file(self, path: str, start: Optional[int] = None, end: Optional[int] = None, **kwargs: Any) -> bytes:
        path = self._strip_protocol(path)
        if start is None and end is None:
            return self.client.get_bytes(self._uri(path))
        size = None
        if (start is not None and start < 0) or end is None or end < 0:
            size = self.info(path)["size"]
        start = 0 if start is None else (size + start if start < 0 else start)
        end = size if end is None else (size + end if end < 0 else end)
        if end <= start:
            return b""
        return self.client.get_bytes(self._uri(path), range=(start, end))

    def pipe_file(self, path: str, value: bytes, **kwargs: Any) -> None:
        self.client.put_bytes(self._uri(self._strip_protocol(path)), value)

    def put_file(self, lpath: str, rpath: str, **kwargs: Any) -> None:
        self.client.upload_file(lpath, self._uri(self._strip_protocol(rpath)))

    def get_file(self, rpath: str, lpath: str, **kwargs: Any) -> None:
        self.client.download_file(self._uri(self._strip_protocol(rpath)), lpath)

    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        self.client.copy(self._uri(self._strip_protocol(path1)), self._uri(self._strip_protocol(path2)))

    def rm_file(self, path: str) -> None:
        self.client.delete(self._uri(self._strip_protocol(path)))

    def _rm(self, path: str) -> None:
        self.rm_file(path)

    def rm(self, path: Union[str, List[str]], recursive: bool = False, maxdepth: Optional[int] = None) -> None:
        paths = self.expand_path(path, recursive=recursive, maxdepth=maxdepth)
        files = [p for p in paths if self.info(p)["type"] == "file"] if recursive else paths
        self.client.delete_many(self._uri(p) for p in files)

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        pass  # S3 has no directories: a prefix exists once an object is under it

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        pass

    def _open(self, path: str, mode: str = "rb", block_size: Optional[int] = None, autocommit: bool = True,
              cache_options: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Any:
        uri = self._uri(self._strip_protocol(path))
        if "r" in mode:
            return self.client.open(uri, "rb", **({"block_size": block_size} if block_size else {}))
        if "w" in mode:
            return self.client.open_stream(uri)
        raise ValueError(f"raws3 opens objects for 'rb' or 'wb', not {mode!r}")


fsspec.register_implementation("raws3", RawS3FileSystem, clobber=True)
