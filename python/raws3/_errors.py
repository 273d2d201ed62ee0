"""raws3's exceptions, and how the native layer's errors become them."""

from __future__ import annotations

__all__ = ["Error", "S3Error", "NotFound", "AccessDenied", "ConfigError", "NetworkError",
           "IntegrityError", "Cancelled", "FileError"]


class Error(Exception):
    """Base of every raws3 error. str() names the cause in one line."""


class S3Error(Error):
    """The server answered with an error.

    Attributes: ``code`` (S3's error code, e.g. ``"NoSuchKey"``), ``status`` (the HTTP status),
    ``request_id`` (the server's x-amz-request-id) and ``region`` (the bucket's region when the server
    said so).
    """

    code: str
    status: int
    request_id: str
    region: str

    def __init__(self, message: str, *, code: str = "", status: int = 0, request_id: str = "",
                 region: str = ""):
        super().__init__(message)
        self.code = code
        self.status = status
        self.request_id = request_id
        self.region = region

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NotFound(S3Error, FileNotFoundError):
    """A missing key or bucket (NoSuchKey, NoSuchBucket, 404): also a FileNotFoundError."""


class AccessDenied(S3Error, PermissionError):
    """The server refused the credentials or the request (403): also a PermissionError."""


class ConfigError(Error, ValueError):
    """Bad input on our side: a malformed URI or endpoint, missing credentials, a bad option."""


class NetworkError(Error, ConnectionError):
    """The transport failed: DNS, connect, reset, timeout, TLS, an answer that is not HTTP."""


class IntegrityError(Error):
    """Received bytes failed the checksum the server sent with them."""


class Cancelled(Error):
    """The client was cancelled or closed while the call was running."""


class FileError(Error, OSError):
    """A local file could not be read or written."""


_NOT_FOUND_CODES = {"NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NotFound"}
_DENIED_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
                 "InvalidToken", "AllAccessDisabled", "AccountProblem", "Forbidden"}

_SIMPLE = {"ConfigError": ConfigError, "NetworkError": NetworkError, "IntegrityError": IntegrityError,
           "Cancelled": Cancelled, "FileError": FileError, "Error": Error}


def from_native(kind: str, message: str, status: int, code: str, request_id: str, region: str) -> Error:
    """The exception for a native error (called by raws3._raws3's exception translator)."""
    if kind != "S3Error":
        return _SIMPLE.get(kind, Error)(message)
    cls = S3Error
    if code in _NOT_FOUND_CODES or status == 404:
        cls = NotFound
    elif code in _DENIED_CODES or status == 403:
        cls = AccessDenied
    return cls(message, code=code, status=status, request_id=request_id, region=region)
