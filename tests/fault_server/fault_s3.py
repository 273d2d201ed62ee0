#!/usr/bin/env python3
"""An in-memory S3 server (path-style, no signature checks) that misbehaves on request.

    python3 fault_s3.py [--host 127.0.0.1] [--port 0]
                                       prints "fault_s3 listening on http://HOST:PORT" once ready

S3 it speaks: ListBuckets, Create/DeleteBucket, Put/Get (Range, If-Match)/Head/Delete/CopyObject,
DeleteObjects, ListObjectsV2, and multipart (Create, UploadPart, Complete, Abort, ListMultipartUploads).
Request bodies may be aws-chunked. x-amz-checksum-{crc32c,crc32,crc64nvme,sha256} on uploads are checked; a GET
of a whole object with x-amz-checksum-mode: ENABLED answers the object's checksum (CRC32C unless it was
uploaded with another one; composite "-N" after a multipart upload with part checksums) and its
x-amz-checksum-type; a ranged GET answers none, whatever its range, as S3 does. GET and HEAD with
?partNumber=N answer that part (206, x-amz-mp-parts-count, and the part's own checksum in checksum mode).

Faults are armed through a control endpoint, outside S3's namespace:
    POST   /_fault    {"op": "GetObject", "fault": "reset_mid_body", "count": 2, "key": "k"}
                      op: an S3 operation name or "*"; key: only requests for that key (optional);
                      count: how many matching requests suffer it (-1: all); skip: how many matching
                      requests pass unharmed first (default 0). Faults stack in order.
    DELETE /_fault    disarms every fault
    GET    /_uploads  open multipart uploads, JSON [{"bucket", "key", "upload_id"}]
    GET    /_log      every S3 request so far, JSON [{"op", "key", "fault", "request_id", "authorization",
                      "access_key" (null: unsigned), "started", "ended" (epoch seconds), "status"}]: the
                      x-amz-request-id it was answered with, and the Authorization header it came with (or
                      null); DELETE /_log empties it
    POST   /_credentials {"ACCESSKEYID": epoch seconds, ...}: requests signed with that key after that time
                      get 400 ExpiredToken, as S3 checks them when a request arrives
    GET    /_stats    {"connections": connections accepted so far, "open": connections open now}
    POST   /_fill     {"bucket", "prefix", "count", "size"}: count objects prefix000000... of size bytes
                      each, made at once (a listing test needs 100,000 keys, not 100,000 PUTs)
Faults: see FAULTS below.
"""
import argparse
import base64
import re
import calendar
import hashlib
import json
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
import zlib
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler

FAULTS = {
    "reset_mid_body": "half the body, then a TCP reset",
    "truncated": "Content-Length of the whole body, half of it sent, then a clean close",
    "slow_down": "503 SlowDown",
    "internal_error": "500 InternalError",
    "error_in_200": "200 whose body is an <Error> document (CompleteMultipartUpload, CopyObject)",
    "malformed_xml": "200 with an XML body cut short",
    "bad_status_line": "a status line that is not HTTP, then close",
    "stall": "the headers, then nothing (for `seconds`, default 30)",
    "hang": "no answer at all (for `seconds`, default 30): for operations whose answer has no body",
    "chunked": "the body in Transfer-Encoding: chunked pieces",
    "bad_chunked": "a chunked body whose second chunk has a size line that is not hex",
    "connection_close": "Connection: close on the answer, and the connection closed",
    "huge_headers": "a 1 MiB header block",
    "access_denied": "403 AccessDenied",
    "no_such_key": "404 NoSuchKey",
    "wrong_region": "301 PermanentRedirect, x-amz-bucket-region: `region` (default eu-west-1)",
    "clock_skew": "the server's clock runs `seconds` (default 3600) ahead: requests signed more than 15 minutes "
                  "from it get 403 RequestTimeTooSkewed; every answer's Date is by that clock",
    "flip_byte": "one byte of the body changed, its checksum header left as it was",
    "no_checksum": "no x-amz-checksum-* header in the answer, as for an object stored without a checksum",
    "short_body": "an answer with a Content-Range whose Content-Length (and body) is half the range it announces",
    "early_error": "a PUT or POST answered 403 AccessDenied after 64 KiB of its body, and the connection closed",
    "ignore_range": "GetObject answers the whole object, 200 and no Content-Range, whatever Range asked for",
    "ignore_part_number": "GetObject answers the whole object, 200 and no Content-Range, whatever partNumber asked "
                          "for (as moto does)",
    "expired_token": "400 ExpiredToken to a request that carries a session token (x-amz-security-token)",
    "delay": "the answer after `seconds` (default 1), the request's body read first",
    "huge_object": "GetObject/HeadObject of the key answer for an object of `size` bytes (default 1 PiB) that is "
                   "never held: the size in Content-Length and Content-Range, zeros for the bytes asked for",
}

XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


# --- checksums -------------------------------------------------------------------------------------

def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def _crc32c_python(data):
    crc = 0xFFFFFFFF
    table = _CRC32C
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc64nvme_python(data):
    crc = 0xFFFFFFFFFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x9A6C9329AC4BC9B5 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFFFFFFFFFF


try:
    # Debian's python3-crcmod, in C: the loops above read a few MB/s, too slow for the 40 MiB objects of
    # test_verified_downloads. (crcmod's initCrc is the value of an empty input.)
    import crcmod
    import crcmod.predefined
    crc32c = crcmod.predefined.mkCrcFun("crc-32c")
    crc64nvme = crcmod.mkCrcFun(0x1AD93D23594C93659, initCrc=0, rev=True, xorOut=0xFFFFFFFFFFFFFFFF)
except ImportError:
    crc32c, crc64nvme = _crc32c_python, _crc64nvme_python


def _b64(raw):
    return base64.b64encode(raw).decode()


CHECKSUMS = {
    "crc32c": lambda d: _b64(struct.pack(">I", crc32c(d))),
    "crc32": lambda d: _b64(struct.pack(">I", zlib.crc32(d))),
    "crc64nvme": lambda d: _b64(struct.pack(">Q", crc64nvme(d))),
    "sha256": lambda d: _b64(hashlib.sha256(d).digest()),
}


# --- state -----------------------------------------------------------------------------------------

class Obj:
    def __init__(self, data, content_type="binary/octet-stream", meta=None, etag=None, checksum=None, parts=None):
        self.data = data
        self.content_type = content_type
        self.meta = meta or {}
        self.etag = etag or '"' + hashlib.md5(data).hexdigest() + '"'
        self.checksum = checksum  # (algorithm, value) as stored; None: CRC32C, computed when asked
        self.parts = parts  # a multipart upload's [(size, (algorithm, value) or None)]; None: one PutObject
        self.modified = time.time()

    def checksum_header(self):
        algorithm, value = self.checksum or ("crc32c", None)
        return algorithm, value or CHECKSUMS[algorithm](self.data)


class State:
    def __init__(self):
        self.lock = threading.RLock()  # handlers nest objects() inside their own critical sections
        self.buckets = {}   # name -> {key: Obj}
        self.uploads = {}   # upload id -> {"bucket", "key", "parts": {n: (data, etag, crc32c)}, ...}
        self.faults = []    # [{"op", "fault", "count", "key", ...}]
        self.log = []
        self.expiries = {}  # access key id -> epoch seconds after which it is refused
        self.connections = 0
        self.open = 0

    def take_fault(self, op, key):
        with self.lock:
            for f in self.faults:
                if f["op"] not in ("*", op) or ("key" in f and f["key"] != key) or f["count"] == 0:
                    continue
                if f.get("skip", 0) > 0:
                    f["skip"] -= 1
                    continue
                if f["count"] > 0:
                    f["count"] -= 1
                return dict(f)
        return None


class S3Error(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def xml_doc(root, children):
    """<root xmlns>children</root>; children: (name, text or list of children) pairs."""
    def build(parent, items):
        for name, value in items:
            e = ET.SubElement(parent, name)
            if isinstance(value, list):
                build(e, value)
            else:
                e.text = str(value)
    r = ET.Element(root, xmlns=XMLNS)
    build(r, children)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(r)


def error_doc(code, message, resource=""):
    return xml_doc("Error", [("Code", code), ("Message", message), ("Resource", resource),
                             ("RequestId", uuid.uuid4().hex[:16].upper())])


def local_name(tag):
    return tag.rpartition("}")[2]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


# --- the handler -----------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault_s3"
    state: State = None  # set by main()

    def setup(self):
        super().setup()
        with self.state.lock:
            self.state.connections += 1
            self.state.open += 1

    def finish(self):
        with self.state.lock:
            self.state.open -= 1
        super().finish()

    def log_message(self, format, *args):  # noqa: A002 -- the base class's name
        pass

    def do_GET(self):
        self.dispatch()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

    # Reading the request.

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.headers.get("x-amz-content-sha256", "").startswith("STREAMING-"):
            return self.decode_aws_chunked(raw)
        return raw

    @staticmethod
    def decode_aws_chunked(raw):
        out, at = bytearray(), 0
        while True:
            end = raw.index(b"\r\n", at)
            size = int(raw[at:end].split(b";")[0], 16)
            at = end + 2
            if size == 0:
                return bytes(out)
            out += raw[at:at + size]
            at += size + 2

    def check_upload_checksum(self, data):
        """The (algorithm, value) the upload carried, after checking it; None when it carried none."""
        for algorithm, compute in CHECKSUMS.items():
            sent = self.headers.get("x-amz-checksum-" + algorithm)
            if sent is None:
                continue
            if compute(data) != sent:
                raise S3Error(400, "BadDigest", f"The {algorithm.upper()} you specified did not match the "
                                                f"calculated checksum.")
            return algorithm, sent
        # An SDK that sends the value in a trailer names the algorithm here; the server works it out, as S3
        # does (and as it does CRC64NVME for an upload that names none).
        named = self.headers.get("x-amz-checksum-algorithm", "").lower()
        return (named, CHECKSUMS[named](data)) if named in CHECKSUMS else None

    # Writing the answer: every byte goes through here, so that faults can bend it.

    def answer(self, status, body=b"", headers=None, reason=None):
        if getattr(self, "entry", None) is not None:
            self.entry["status"] = status
        fault = self.fault["fault"] if self.fault else None
        headers = list(headers or [])
        headers += [("x-amz-request-id", self.request_id),
                    ("Date", formatdate(self.clock(), usegmt=True)), ("Server", "fault_s3")]
        if fault == "reset_mid_body" and not body:
            self.reset()
            return
        if fault == "bad_status_line":
            self.wfile.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
            self.close_connection = True
            return
        if fault == "flip_byte" and body:
            body = bytearray(body)
            body[len(body) // 2] ^= 0x01
            body = bytes(body)
        if fault == "short_body" and body and any(name == "Content-Range" for name, _ in headers):
            body = body[:len(body) // 2]
            headers = [(n, str(len(body)) if n == "Content-Length" else v) for n, v in headers]
        if fault == "huge_headers":
            pad = "x" * 1000
            headers += [(f"x-amz-meta-pad{i}", pad) for i in range(1100)]
        if fault == "connection_close":
            self.close_connection = True
        if self.close_connection:
            headers.append(("Connection", "close"))
        chunked = fault in ("chunked", "bad_chunked") and self.command != "HEAD"
        if chunked:
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Transfer-Encoding", "chunked"))
        elif not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        reason = reason or self.responses.get(status, ("Unknown",))[0]
        if fault == "hang":
            self.stall(float(self.fault.get("seconds", 30)))
            return
        head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        self.wfile.write(head.encode("latin-1"))
        if self.command == "HEAD":
            return
        if fault == "stall":
            self.stall(float(self.fault.get("seconds", 30)))
            return
        if fault in ("reset_mid_body", "truncated") and body:
            self.wfile.write(body[:len(body) // 2])
            if fault == "reset_mid_body":
                self.reset()
            self.close_connection = True
            return
        if chunked:
            at, step = 0, 1
            while at < len(body):
                piece = body[at:at + step]
                size = "zz" if fault == "bad_chunked" and at > 0 else f"{len(piece):x}"
                self.wfile.write(size.encode() + b"\r\n" + piece + b"\r\n")
                at += len(piece)
                step = step * 3 + 7  # pieces of every size, from a single byte up
            self.wfile.write(b"0\r\n\r\n")
            return
        self.wfile.write(body)

    def clock(self):
        return time.time() + (float(self.fault.get("seconds", 3600)) if self.fault_is("clock_skew") else 0)

    def fault_is(self, name):
        return self.fault is not None and self.fault["fault"] == name

    def skewed(self):
        """Whether the request's X-Amz-Date is more than 15 minutes from the server's clock, as S3 checks."""
        stamp = self.headers.get("x-amz-date")
        if not stamp:
            return False
        sent = calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))
        return abs(sent - self.clock()) > 900

    def reset(self):
        """Closing with a zero linger time sends a TCP RST instead of a FIN; closing here, before the
        server's own shutdown(SHUT_WR), keeps a FIN from going first."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def stall(self, seconds):
        """Sends nothing more until the client gives up (it closes) or `seconds` pass."""
        self.close_connection = True
        self.connection.settimeout(seconds)
        try:
            self.connection.recv(1)
        except OSError:
            pass

    def answer_error(self, status, code, message):
        body = error_doc(code, message, self.path) if self.command != "HEAD" else b""
        self.answer(status, body, [("Content-Type", "application/xml")] if body else
                    [("Content-Length", "0")])

    def answer_xml(self, body, status=200):
        self.answer(status, body, [("Content-Type", "application/xml")])

    # Routing.

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        arrived = time.time()
        self.fault = None
        self.request_id = uuid.uuid4().hex[:16].upper()
        self.entry = None
        if path.startswith("/_"):
            return self.control(path, self.read_body())
        bucket, _, key = path.lstrip("/").partition("/")
        op, run = self.route(bucket, key, query)
        self.fault = self.state.take_fault(op, key)
        early = self.fault and self.fault["fault"] == "early_error" and self.command in ("PUT", "POST")
        if early:
            # What S3 does with a request it refuses from its headers: answers before the body is in, and
            # closes; the unread rest makes the close a reset.
            self.rfile.read(min(64 << 10, int(self.headers.get("Content-Length") or 0)))
            body = b""
        else:
            body = self.read_body() if self.command in ("PUT", "POST") else b""
        self.entry = {"op": op, "key": key, "fault": self.fault["fault"] if self.fault else None,
                      "request_id": self.request_id, "authorization": self.headers.get("Authorization"),
                      "access_key": self.access_key(query), "started": arrived, "ended": None, "status": None}
        with self.state.lock:
            self.state.log.append(self.entry)
        if early:
            self.close_connection = True
            self.answer_error(403, "AccessDenied", "Access Denied")
            self.entry["ended"] = time.time()
            return
        try:
            self.run_with_faults(op, run, bucket, key, query, body)
        finally:
            self.entry["ended"] = time.time()

    def access_key(self, query):
        """The access key id the request is signed with (header or presigned query), None when unsigned."""
        match = CREDENTIAL.search(self.headers.get("Authorization", ""))
        if match:
            return match.group(1)
        credential = query.get("X-Amz-Credential")
        return credential.split("/")[0] if credential else None

    def run_with_faults(self, op, run, bucket, key, query, body):
        with self.state.lock:
            expires = self.state.expiries.get(self.entry["access_key"])
        if expires is not None and self.entry["started"] > expires:
            return self.answer_error(400, "ExpiredToken", "The provided token has expired.")
        canned = {"slow_down": (503, "SlowDown", "Please reduce your request rate."),
                  "internal_error": (500, "InternalError", "We encountered an internal error. Please try again."),
                  "access_denied": (403, "AccessDenied", "Access Denied"),
                  "no_such_key": (404, "NoSuchKey", "The specified key does not exist.")}
        fault = self.fault["fault"] if self.fault else None
        if fault == "delay":
            time.sleep(float(self.fault.get("seconds", 1)))
        if fault in canned:
            return self.answer_error(*canned[fault])
        if fault == "expired_token" and "x-amz-security-token" in self.headers:
            return self.answer_error(400, "ExpiredToken", "The provided token has expired.")
        if fault == "huge_object":
            run = self.get_huge_object
        if fault == "clock_skew" and self.skewed():
            return self.answer_error(403, "RequestTimeTooSkewed",
                                     "The difference between the request time and the current time is too large.")
        if fault == "wrong_region":
            region = self.fault.get("region", "eu-west-1")
            return self.answer(301, error_doc("PermanentRedirect", "The bucket you are attempting to access must be "
                                              "addressed using the specified endpoint.") if self.command != "HEAD"
                               else b"", [("x-amz-bucket-region", region), ("Content-Type", "application/xml")])
        if fault == "error_in_200":
            return self.answer_xml(error_doc("InternalError", "We encountered an internal error. Please try again."))
        if fault == "malformed_xml":
            return self.answer_xml(b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Contents><Key>a')
        try:
            run(bucket, key, query, body)
        except S3Error as e:
            self.answer_error(e.status, e.code, e.message)

    def route(self, bucket, key, q):
        m = self.command
        if not bucket:
            return "ListBuckets", self.list_buckets
        if not key:
            table = {
                ("GET", "uploads"): ("ListMultipartUploads", self.list_uploads),
                ("POST", "delete"): ("DeleteObjects", self.delete_objects),
                ("GET", None): ("ListObjectsV2", self.list_objects),
                ("PUT", None): ("CreateBucket", self.create_bucket),
                ("DELETE", None): ("DeleteBucket", self.delete_bucket),
                ("HEAD", None): ("HeadBucket", self.head_bucket),
            }
            sub = next((s for s in ("uploads", "delete") if s in q), None)
            return table.get((m, sub), ("Unsupported", self.unsupported))
        if "uploadId" in q:
            return {"PUT": ("UploadPart", self.upload_part),
                    "POST": ("CompleteMultipartUpload", self.complete_upload),
                    "DELETE": ("AbortMultipartUpload", self.abort_upload),
                    "GET": ("ListParts", self.unsupported)}.get(m, ("Unsupported", self.unsupported))
        if m == "POST" and "uploads" in q:
            return "CreateMultipartUpload", self.create_upload
        if m == "PUT" and "x-amz-copy-source" in self.headers:
            return "CopyObject", self.copy_object
        return {"GET": ("GetObject", self.get_object), "HEAD": ("HeadObject", self.get_object),
                "PUT": ("PutObject", self.put_object),
                "DELETE": ("DeleteObject", self.delete_object)}.get(m, ("Unsupported", self.unsupported))

    def unsupported(self, *_):
        raise S3Error(501, "NotImplemented", "fault_s3 does not implement this request")

    def objects(self, bucket):
        with self.state.lock:
            objects = self.state.buckets.get(bucket)
        if objects is None:
            raise S3Error(404, "NoSuchBucket", "The specified bucket does not exist")
        return objects

    # Buckets.

    def list_buckets(self, *_):
        with self.state.lock:
            names = sorted(self.state.buckets)
        self.answer_xml(xml_doc("ListAllMyBucketsResult", [
            ("Owner", [("ID", "fault"), ("DisplayName", "fault")]),
            ("Buckets", [("Bucket", [("Name", n), ("CreationDate", iso(0))]) for n in names])]))

    def create_bucket(self, bucket, *_):
        with self.state.lock:
            self.state.buckets.setdefault(bucket, {})
        self.answer(200, headers=[("Location", "/" + bucket)])

    def delete_bucket(self, bucket, *_):
        if self.objects(bucket):
            raise S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty")
        with self.state.lock:
            self.state.buckets.pop(bucket, None)
        self.answer(204)

    def head_bucket(self, bucket, *_):
        self.objects(bucket)
        self.answer(200)

    def list_objects(self, bucket, _key, q, _body):
        objects = self.objects(bucket)
        prefix, delimiter = q.get("prefix", ""), q.get("delimiter", "")
        max_keys = int(q.get("max-keys", 1000))
        after = q.get("continuation-token") or q.get("start-after", "")
        # As AWS writes keys for encoding-type=url: form encoding, a space as '+'.
        encode = (lambda s: urllib.parse.quote_plus(s, safe="/")) if q.get("encoding-type") == "url" else (lambda s: s)
        with self.state.lock:
            keys = sorted(k for k in objects if k.startswith(prefix) and k > after)
        entries, prefixes, last, truncated = [], [], None, False
        for k in keys:
            if len(entries) + len(prefixes) == max_keys:
                truncated = True
                break
            cut = k.find(delimiter, len(prefix)) if delimiter else -1
            if cut >= 0:
                common = k[:cut + len(delimiter)]
                if prefixes and prefixes[-1] == common:
                    continue
                prefixes.append(common)
            else:
                o = objects[k]
                entries.append(("Contents", [("Key", encode(k)), ("LastModified", iso(o.modified)),
                                             ("ETag", o.etag), ("Size", len(o.data)),
                                             ("StorageClass", "STANDARD")]))
            last = k
        doc = [("Name", bucket), ("Prefix", encode(prefix)), ("MaxKeys", max_keys),
               ("KeyCount", len(entries) + len(prefixes)), ("IsTruncated", "true" if truncated else "false")]
        if q.get("encoding-type") == "url":
            doc.append(("EncodingType", "url"))
        if truncated:
            doc.append(("NextContinuationToken", last))
        doc += entries + [("CommonPrefixes", [("Prefix", encode(p))]) for p in prefixes]
        self.answer_xml(xml_doc("ListBucketResult", doc))

    def delete_objects(self, bucket, _key, _q, body):
        objects = self.objects(bucket)
        keys = [e.text or "" for e in ET.fromstring(body).iter() if local_name(e.tag) == "Key"]
        with self.state.lock:
            for k in keys:
                objects.pop(k, None)
        self.answer_xml(xml_doc("DeleteResult", [("Deleted", [("Key", k)]) for k in keys]))

    # Objects.

    def get_object(self, bucket, key, q, *_):
        with self.state.lock:
            o = self.objects(bucket).get(key)
        if o is None:
            raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
        want = self.headers.get("If-Match")
        if want and want.strip() not in ("*", o.etag):
            raise S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
        headers = [("ETag", o.etag), ("Last-Modified", formatdate(o.modified, usegmt=True)),
                   ("Content-Type", o.content_type), ("Accept-Ranges", "bytes")]
        headers += [("x-amz-meta-" + k, v) for k, v in o.meta.items()]
        data, status = o.data, 200
        rng = None if self.fault and self.fault["fault"] == "ignore_range" else self.headers.get("Range")
        part = None if self.fault and self.fault["fault"] == "ignore_part_number" else q.get("partNumber")
        if part is not None:
            # S3's part GET and HEAD: that part's bytes as a 206, the number of parts beside them, and with
            # checksum mode the part's own checksum. One PutObject is a single part 1.
            parts = o.parts or [(len(o.data), o.checksum_header())]
            n = int(part)
            if not 1 <= n <= len(parts):
                raise S3Error(416, "InvalidPartNumber", "The requested partnumber is not satisfiable")
            first = sum(size for size, _ in parts[:n - 1])
            last = first + parts[n - 1][0] - 1
            headers += [("Content-Range", f"bytes {first}-{last}/{len(data)}"), ("x-amz-mp-parts-count", str(len(parts)))]
            if self.checksum_mode() and parts[n - 1][1]:
                headers.append(("x-amz-checksum-" + parts[n - 1][1][0], parts[n - 1][1][1]))
            data, status = data[first:last + 1], 206
            headers.append(("Content-Length", str(len(data))))
            return self.answer(status, data, headers)
        if rng:
            first, last = self.parse_range(rng, len(data))
            headers.append(("Content-Range", f"bytes {first}-{last}/{len(data)}"))
            data, status = data[first:last + 1], 206
        if self.checksum_mode() and status == 200:
            algorithm, value = o.checksum_header()
            headers += [("x-amz-checksum-" + algorithm, value),
                        ("x-amz-checksum-type", "COMPOSITE" if "-" in value else "FULL_OBJECT")]
        headers.append(("Content-Length", str(len(data))))
        self.answer(status, data, headers)

    def checksum_mode(self):
        """Whether the request asks for checksums and the armed faults let it have them."""
        return self.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED" and \
            not (self.fault and self.fault["fault"] == "no_checksum")

    def get_huge_object(self, *_):
        size = int(self.fault.get("size", 1 << 50))
        headers = [("ETag", '"huge-object"'), ("Content-Type", "binary/octet-stream"), ("Accept-Ranges", "bytes")]
        first, last, status = 0, size - 1, 200
        rng = self.headers.get("Range")
        if rng:
            first, last = self.parse_range(rng, size)
            headers.append(("Content-Range", f"bytes {first}-{last}/{size}"))
            status = 206
        self.answer(status, b"", headers + [("Content-Length", str(last - first + 1))])
        if self.command == "HEAD":
            return
        # As many zeros as announced, a MiB at a time, so that memory stays small; a client that refuses
        # the size hangs up, and the write fails.
        left, zeros = last - first + 1, bytes(1 << 20)
        while left:
            self.wfile.write(zeros[:min(left, len(zeros))])
            left -= min(left, len(zeros))

    @staticmethod
    def parse_range(text, size):
        unit, _, spec = text.partition("=")
        first, _, last = spec.partition("-")
        if unit != "bytes" or "," in spec:
            raise S3Error(400, "InvalidArgument", "unsupported Range " + text)
        if not first:
            first, last = max(0, size - int(last)), size - 1
        else:
            first, last = int(first), min(int(last) if last else size - 1, size - 1)
        if first >= size or first > last:
            raise S3Error(416, "InvalidRange", "The requested range is not satisfiable")
        return first, last

    def put_object(self, bucket, key, _q, body):
        objects = self.objects(bucket)
        o = Obj(body, self.headers.get("Content-Type", "binary/octet-stream"), self.metadata(),
                checksum=self.check_upload_checksum(body))
        with self.state.lock:
            objects[key] = o
        self.answer(200, headers=[("ETag", o.etag)])

    def metadata(self):
        return {k.lower()[len("x-amz-meta-"):]: v for k, v in self.headers.items()
                if k.lower().startswith("x-amz-meta-")}

    def copy_object(self, bucket, key, *_):
        source = urllib.parse.unquote(self.headers["x-amz-copy-source"]).lstrip("/")
        src_bucket, _, src_key = source.partition("/")
        with self.state.lock:
            src = self.objects(src_bucket).get(src_key)
        if src is None:
            raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
        o = Obj(src.data, src.content_type, dict(src.meta), checksum=src.checksum)
        with self.state.lock:
            self.objects(bucket)[key] = o
        self.answer_xml(xml_doc("CopyObjectResult", [("LastModified", iso(o.modified)), ("ETag", o.etag)]))

    def delete_object(self, bucket, key, *_):
        with self.state.lock:
            self.objects(bucket).pop(key, None)
        self.answer(204)

    # Multipart uploads.

    def create_upload(self, bucket, key, *_):
        self.objects(bucket)
        upload_id = uuid.uuid4().hex
        with self.state.lock:
            self.state.uploads[upload_id] = {
                "bucket": bucket, "key": key, "parts": {}, "meta": self.metadata(),
                "content_type": self.headers.get("Content-Type", "binary/octet-stream")}
        self.answer_xml(xml_doc("InitiateMultipartUploadResult",
                                [("Bucket", bucket), ("Key", key), ("UploadId", upload_id)]))

    def upload(self, bucket, key, q):
        with self.state.lock:
            u = self.state.uploads.get(q["uploadId"])
        if u is None or u["bucket"] != bucket or u["key"] != key:
            raise S3Error(404, "NoSuchUpload", "The specified upload does not exist.")
        return u

    def upload_part(self, bucket, key, q, body):
        u = self.upload(bucket, key, q)
        checksum = self.check_upload_checksum(body)
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        with self.state.lock:
            u["parts"][int(q["partNumber"])] = (body, etag, checksum)
        headers = [("ETag", etag)]
        if checksum:
            headers.append(("x-amz-checksum-" + checksum[0], checksum[1]))
        self.answer(200, headers=headers)

    def complete_upload(self, bucket, key, q, body):
        u = self.upload(bucket, key, q)
        root = ET.fromstring(body)
        listed = [(int(p.findtext("{*}PartNumber")), p.findtext("{*}ETag"))
                  for p in root.iter() if local_name(p.tag) == "Part"]
        if not listed or [n for n, _ in listed] != sorted({n for n, _ in listed}):
            raise S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order.")
        for n, etag in listed:
            if n not in u["parts"] or u["parts"][n][1].strip('"') != etag.strip('"'):
                raise S3Error(400, "InvalidPart", f"Part {n} was not uploaded or its ETag does not match.")
        parts = [u["parts"][n] for n, _ in listed]
        digest = hashlib.md5(b"".join(bytes.fromhex(etag.strip('"')) for _, etag, _ in parts)).hexdigest()
        # S3's composite checksum: the checksum of the parts' checksums, "-N" after it.
        algorithms = {c[0] if c else None for _, _, c in parts}
        checksum = None
        if len(algorithms) == 1 and None not in algorithms:
            algorithm = algorithms.pop()
            combined = b"".join(base64.b64decode(c[1]) for _, _, c in parts)
            checksum = (algorithm, CHECKSUMS[algorithm](combined) + f"-{len(parts)}")
        o = Obj(b"".join(d for d, _, _ in parts), u["content_type"], u["meta"],
                etag=f'"{digest}-{len(parts)}"', checksum=checksum, parts=[(len(d), c) for d, _, c in parts])
        with self.state.lock:
            self.objects(bucket)[key] = o
            self.state.uploads.pop(q["uploadId"], None)
        self.answer_xml(xml_doc("CompleteMultipartUploadResult",
                                [("Location", f"/{bucket}/{key}"), ("Bucket", bucket), ("Key", key),
                                 ("ETag", o.etag)]))

    def abort_upload(self, bucket, key, q, _body):
        self.upload(bucket, key, q)
        with self.state.lock:
            self.state.uploads.pop(q["uploadId"], None)
        self.answer(204)

    def list_uploads(self, bucket, *_):
        self.objects(bucket)
        with self.state.lock:
            open_uploads = sorted((u["key"], i) for i, u in self.state.uploads.items() if u["bucket"] == bucket)
        self.answer_xml(xml_doc("ListMultipartUploadsResult", [("Bucket", bucket), ("IsTruncated", "false")] +
                                [("Upload", [("Key", k), ("UploadId", i)]) for k, i in open_uploads]))

    # The control endpoint.

    def control(self, path, body):
        s = self.state
        with s.lock:
            if path == "/_fault" and self.command == "POST":
                f = json.loads(body)
                if f.get("fault") not in FAULTS:
                    return self.answer(400, f"unknown fault {f.get('fault')!r}\n".encode())
                f.setdefault("op", "*")
                f.setdefault("count", 1)
                s.faults.append(f)
                result = f
            elif path == "/_fault" and self.command == "DELETE":
                s.faults.clear()
                result = []
            elif path == "/_uploads":
                result = [{"bucket": u["bucket"], "key": u["key"], "upload_id": i} for i, u in s.uploads.items()]
            elif path == "/_log" and self.command == "DELETE":
                s.log.clear()
                result = []
            elif path == "/_log":
                result = list(s.log)
            elif path == "/_credentials" and self.command == "POST":
                s.expiries.update(json.loads(body))
                result = s.expiries
            elif path == "/_stats":
                result = {"connections": s.connections, "open": s.open}
            elif path == "/_fill" and self.command == "POST":
                f = json.loads(body)
                objects = self.objects(f["bucket"])
                data = b"x" * f.get("size", 0)
                shared = Obj(data)  # one object's state under every key: they are never written in place
                for i in range(f["count"]):
                    objects[f"{f['prefix']}{i:06}"] = shared
                result = {"objects": len(objects)}
            else:
                return self.answer(404, b"no such control endpoint\n")
        self.answer(200, json.dumps(result).encode(), [("Content-Type", "application/json")])


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # the load test opens hundreds of connections at once

    def handle_error(self, request, client_address):
        # Clients that give up mid-answer (timeouts, resets the faults provoke) are expected.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (127.0.0.0/8) to listen on")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if not args.host.startswith("127."):
        parser.error("--host must be a loopback address: tests talk to nothing else")
    Handler.state = State()
    with Server((args.host, args.port), Handler) as server:
        print(f"fault_s3 listening on http://{args.host}:{server.server_address[1]}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
