"""s3://bucket/key and az://container/blob URIs."""

from __future__ import annotations

from typing import NamedTuple, Optional, Tuple, Union

from ._errors import ConfigError

RangeLike = Union[None, Tuple[int, int], range, slice]


class S3Uri(NamedTuple):
    bucket: str  # or Azure's container
    key: str
    scheme: str = "s3"  # or "az"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.bucket}/{self.key}"


def parse(uri: str, *, need_key: bool = True, scheme: Optional[str] = None) -> S3Uri:
    """Splits ``s3://bucket/key`` or ``az://container/blob`` (only ``scheme``'s when given: the client's);
    raises ConfigError naming what is wrong with anything else."""
    if not isinstance(uri, str):
        raise TypeError(f"an object URI must be a str like 's3://bucket/key', not {type(uri).__name__}")
    given = uri.partition("://")[0] if "://" in uri else ""
    if given not in ("s3", "az"):
        raise ConfigError(f"'{uri}' is not an object URI: it must start with s3:// or az://")
    if scheme and given != scheme:
        speaks = "Azure Blob (az://)" if scheme == "az" else "S3 (s3://)"
        other = "service='azure'" if given == "az" else "service='s3'"
        raise ConfigError(f"'{uri}' is not for this client, which speaks {speaks}: raws3.Client({other}) speaks it")
    bucket, _, key = uri[len(given) + 3:].partition("/")
    container = "container" if given == "az" else "bucket"
    if not bucket:
        raise ConfigError(f"'{uri}' names no {container}: expected {given}://{container}/key")
    if need_key and not key:
        raise ConfigError(f"'{uri}' names no object: expected {given}://{bucket}/key")
    return S3Uri(bucket, key, given)


def byte_range(r: RangeLike) -> Optional[Tuple[int, int]]:
    """(offset, length) from a half-open (start, end) tuple, range or slice: bytes[start:end]."""
    if r is None:
        return None
    if isinstance(r, (range, slice)):
        if r.step not in (None, 1):
            raise ConfigError("a byte range must be contiguous (step 1)")
        start, end = r.start or 0, r.stop
    else:
        try:
            start, end = r
        except (TypeError, ValueError):
            raise TypeError("range must be (start, end), a range or a slice: the bytes [start, end)") from None
    if end is None or not isinstance(start, int) or not isinstance(end, int):
        raise TypeError("range needs integer start and end: the bytes [start, end)")
    if start < 0 or end <= start:
        raise ConfigError(f"byte range ({start}, {end}) is empty or negative: it must be 0 <= start < end")
    return (start, end - start)
