"""s3://bucket/key URIs."""

from __future__ import annotations

from typing import NamedTuple, Optional, Tuple, Union

from ._errors import ConfigError

RangeLike = Union[None, Tuple[int, int], range, slice]


class S3Uri(NamedTuple):
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse(uri: str, *, need_key: bool = True) -> S3Uri:
    """Splits ``s3://bucket/key``; raises ConfigError naming what is wrong with anything else."""
    if not isinstance(uri, str):
        raise TypeError(f"an S3 URI must be a str like 's3://bucket/key', not {type(uri).__name__}")
    if not uri.startswith("s3://"):
        raise ConfigError(f"'{uri}' is not an S3 URI: it must start with s3://")
    bucket, _, key = uri[len("s3://"):].partition("/")
    if not bucket:
        raise ConfigError(f"'{uri}' names no bucket: expected s3://bucket/key")
    if need_key and not key:
        raise ConfigError(f"'{uri}' names no object: expected s3://{bucket}/key")
    return S3Uri(bucket, key)


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
