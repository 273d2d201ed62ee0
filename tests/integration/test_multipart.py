#!/usr/bin/env python3
"""Streaming uploads (issue 5): round trips from a file, a pipe and an ObjectWriter, and failures that
must leave no multipart upload behind.

Uploads go through tests/tools/put_driver (RAWS3_PUT_DRIVER), which calls Client::upload_file,
upload_stream and writer(); s3-cli's put is checked too. Every object is read back with boto3 and
compared by SHA-256. Parts are PART bytes (RAWS3_PUT_PART_SIZE) to keep the tests quick: above moto's
5 MiB floor, so that "5 MiB" and "one part" are different sizes. The 100 MiB round trips and the memory
bound are in test_multipart_large.py.
"""
import base64
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest
from pathlib import Path

import harness
from harness import MiB

sys.path.insert(0, str(harness.REPO / "tests" / "fault_server"))
import fault_s3  # noqa: E402  -- the server the fault tests run

PART = 6 * MiB
INFLIGHT = 3
SIZES = [0, 1, 5 * MiB - 1, 5 * MiB, PART, PART + 1]
SERVERS = ["s3rver", "moto", "rgw", "minio", "minio-ec"]


def driver_path():
    p = Path(os.environ.get("RAWS3_PUT_DRIVER") or harness.REPO / "build" / "tests" / "put_driver")
    if not p.is_file():
        if os.environ.get("RAWS3_PUT_DRIVER"):
            raise AssertionError(f"RAWS3_PUT_DRIVER={p} is not a file")
        raise unittest.SkipTest(f"put_driver not built ({p}); build it or set RAWS3_PUT_DRIVER")
    return str(p)


def run_driver(env, *args, stdin=None, extra_env=None, timeout=300):
    """Runs put_driver; returns (rc, the JSON it printed or None, stderr text, rusage)."""
    e = harness.cli_env(env, {"RAWS3_PUT_PART_SIZE": str(PART), "RAWS3_PUT_INFLIGHT": str(INFLIGHT),
                              **(extra_env or {})})
    feed = stdin if isinstance(stdin, (bytes, bytearray)) else None
    proc = subprocess.Popen([driver_path(), *map(str, args)], env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.PIPE if feed is not None else (stdin or subprocess.DEVNULL))
    out, err = proc.communicate(feed, timeout=timeout)
    result = json.loads(out) if proc.returncode == 0 and out.strip() else None
    return proc.returncode, result, err.decode(errors="replace")


class UploadHelpers:
    """Uploading with put_driver and checking what the server holds (mixed into ServerTestCase)."""

    def upload(self, how, key, data, **kw):
        """Uploads data under key by `how` (file, stream or writer); returns the driver's result."""
        if how == "file":
            path = self.tmp / "body"
            path.write_bytes(data)
            rc, result, err = run_driver(self.env, "file", self.bucket, key, path, **kw)
        else:
            rc, result, err = run_driver(self.env, how, self.bucket, key, stdin=data, **kw)
        self.assertEqual(rc, 0, f"put_driver {how} of {len(data)} bytes failed:\n{err}")
        return result

    def assert_object(self, key, data):
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        self.assertEqual(len(body), len(data), key)
        self.assertEqual(harness.sha256_bytes(body), harness.sha256_bytes(data), key)

    def assert_no_uploads(self, prefix):
        if self.SERVER == "s3rver":
            return  # s3rver cannot list multipart uploads (NotImplemented)
        uploads = self.s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
        self.assertEqual([u["Key"] for u in uploads if u["Key"].startswith(prefix)], [])

    def round_trips(self, how):
        prefix = self.prefix(how)
        for size in SIZES:
            with self.subTest(size=size):
                data = harness.random_bytes(size)
                key = f"{prefix}{size}"
                result = self.upload(how, key, data)
                self.assertEqual(result["size"], size)
                self.assertEqual(result["progress"], size)  # the progress callback saw every byte
                # More than one part is a multipart upload; up to one part, a single PutObject.
                self.assertEqual(result["parts"], 0 if size <= PART else -(-size // PART))
                self.assert_object(key, data)
        self.assert_no_uploads(prefix)


class Uploads(UploadHelpers):
    """Round trips and aborts against one real server (see server_variants below)."""

    def test_round_trips_from_a_file(self):
        self.round_trips("file")

    def test_round_trips_from_a_pipe(self):
        self.round_trips("stream")

    def test_round_trips_through_a_writer(self):
        self.round_trips("writer")

    def test_checksum_options(self):
        prefix = self.prefix()
        data = harness.random_bytes(PART + 12345)
        for checksum in ("md5", "none"):
            with self.subTest(checksum=checksum):
                key = f"{prefix}{checksum}"
                self.upload("stream", key, data, extra_env={"PUT_DRIVER_CHECKSUM": checksum})
                self.assert_object(key, data)

    def test_zero_copy_sends(self):
        prefix = self.prefix()
        data = harness.random_bytes(2 * PART + 3)
        self.upload("file", f"{prefix}zc", data, extra_env={"RAWS3_SEND_ZC_MIN": "1MiB"})
        self.assert_object(f"{prefix}zc", data)

    def test_cli_put_is_a_multipart_upload(self):
        prefix = self.prefix()
        path = self.tmp / "big"
        data = harness.random_bytes(2 * PART + 1)
        path.write_bytes(data)
        res = harness.run_cli("put", path, f"s3://{self.bucket}/{prefix}big", env=self.env, global_args=True,
                              extra_env={"RAWS3_PUT_PART_SIZE": str(PART)})
        self.assertEqual(res.rc, 0, res.describe())
        self.assert_object(f"{prefix}big", data)
        if self.SERVER != "s3rver":  # s3rver's multipart ETags have no "-N"
            etag = self.s3.head_object(Bucket=self.bucket, Key=f"{prefix}big")["ETag"]
            self.assertTrue(etag.strip('"').endswith("-3"), etag)

    def test_writer_dropped_midway_leaves_no_upload(self):
        prefix = self.prefix()
        key = f"{prefix}dropped"
        data = harness.random_bytes(4 * PART)
        rc, _, err = run_driver(self.env, "writer", self.bucket, key, 2 * PART + 5, stdin=data)
        self.assertEqual(rc, 1, err)
        self.assertIn("giving up on purpose", err)
        self.assert_no_uploads(prefix)
        with self.assertRaises(self.s3.exceptions.ClientError):
            self.s3.head_object(Bucket=self.bucket, Key=key)


class UploadsMoto(UploadHelpers):
    """What only moto does: keep the parts' CRC32C. (It also refuses parts under 5 MiB, as S3 does: the
    library refuses such a part size itself, before any request.)"""

    def test_parts_below_the_floor_are_refused_before_any_request(self):
        # Before, a 1 MiB part size sent the whole object and CompleteMultipartUpload failed (EntityTooSmall).
        prefix = self.prefix()
        settings = [({"RAWS3_PUT_PART_SIZE": str(MiB)}, "RAWS3_PUT_PART_SIZE: 1048576 is outside"),
                    ({"PUT_DRIVER_PART_SIZE": str(MiB)}, "PutOptions::part_size: a part size of 1048576 bytes")]
        for n, (extra_env, says) in enumerate(settings):
            for how in ("stream", "writer"):
                with self.subTest(setting=says, how=how):
                    key = f"{prefix}small-parts-{n}-{how}"
                    rc, _, err = run_driver(self.env, how, self.bucket, key, stdin=harness.random_bytes(3 * MiB),
                                            extra_env=extra_env)
                    self.assertEqual(rc, 1, err)
                    self.assertIn(says, err)
                    with self.assertRaises(self.s3.exceptions.ClientError):
                        self.s3.head_object(Bucket=self.bucket, Key=key)
        self.assert_no_uploads(prefix)

    def test_part_checksums_reach_the_server(self):
        # moto records checksums without checking them (fault_s3 checks: see Faults).
        prefix = self.prefix()
        self.upload("stream", f"{prefix}big", harness.random_bytes(PART + 1))
        # A checksum of the parts' checksums, "-<parts>": moto took one for each part.
        got = self.s3.get_object(Bucket=self.bucket, Key=f"{prefix}big", ChecksumMode="ENABLED")
        self.assertTrue(got.get("ChecksumCRC32C", "").endswith("-2"), got.get("ChecksumCRC32C"))


class UploadsChecked(UploadHelpers):
    """MinIO checks each part's x-amz-checksum-crc32c and the list Complete sends (a wrong one is 400
    BadDigest / InvalidPart), and keeps S3's composite: the CRC32C of the parts' CRC32Cs, "-<parts>"."""

    def test_complete_carries_the_parts_checksums(self):
        prefix = self.prefix()
        data = harness.random_bytes(2 * PART + 12345, seed=prefix)
        self.upload("stream", f"{prefix}big", data)
        self.assert_object(f"{prefix}big", data)
        parts = [data[i:i + PART] for i in range(0, len(data), PART)]
        digests = b"".join(fault_s3.crc32c(p).to_bytes(4, "big") for p in parts)
        composite = base64.b64encode(fault_s3.crc32c(digests).to_bytes(4, "big")).decode() + f"-{len(parts)}"
        got = self.s3.head_object(Bucket=self.bucket, Key=f"{prefix}big", ChecksumMode="ENABLED")
        self.assertEqual(got.get("ChecksumCRC32C"), composite)


harness.server_variants(Uploads, SERVERS, globals())
harness.server_variants(UploadsMoto, ["moto"], globals())
harness.server_variants(UploadsChecked, ["minio", "minio-ec"], globals())


class NullS3(http.server.BaseHTTPRequestHandler):
    """Takes uploads and keeps nothing: enough S3 for PutObject and multipart uploads. `on_part`, when
    set, is called with each UploadPart's path before its body is read."""
    protocol_version = "HTTP/1.1"
    on_part = None

    @classmethod
    def start(cls):
        """A server of this class on a free port, in threads of its own; returns it and the env to use it."""
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), cls)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env = {"S3_ENDPOINT": f"http://127.0.0.1:{server.server_address[1]}",
               "AWS_ACCESS_KEY_ID": "null", "AWS_SECRET_ACCESS_KEY": "null", "AWS_DEFAULT_REGION": "us-east-1"}
        return server, env

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", etag=None):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def drain(self):
        left = int(self.headers.get("Content-Length", 0))
        buf = bytearray(1 << 20)
        while left:
            n = self.rfile.readinto(memoryview(buf)[:min(left, len(buf))])
            if not n:
                break
            left -= n

    def do_PUT(self):
        if self.on_part and "partNumber" in self.path:
            self.on_part(self.path)
        self.drain()
        self.reply(200, etag='"0123456789abcdef0123456789abcdef"')

    def do_POST(self):
        self.drain()
        if "uploads" in self.path:
            self.reply(200, b"<InitiateMultipartUploadResult><UploadId>u</UploadId></InitiateMultipartUploadResult>")
        else:
            self.reply(200, b'<CompleteMultipartUploadResult><ETag>"e-1"</ETag></CompleteMultipartUploadResult>')

    def do_DELETE(self):
        self.reply(204)


class ShrinkingFile(unittest.TestCase):
    """A file cut short while its parts are being sent fails the upload with an error that says so, not a
    crash (a part read through a mapping of the file would take SIGBUS), and the upload is aborted."""

    def test_file_that_shrinks_midway_fails_cleanly(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "shrinking"
            path.write_bytes(harness.random_bytes(8 * PART))
            seen = []

            def cut_short(part_path):
                seen.append(part_path)
                if len(seen) == 1:
                    os.truncate(path, PART + PART // 2)

            aborted = []

            class Shrinker(NullS3):
                on_part = staticmethod(cut_short)

                def do_DELETE(self):
                    aborted.append(self.path)
                    super().do_DELETE()

            server, env = Shrinker.start()
            try:
                rc, _, err = run_driver(env, "file", "b", "k", path)
            finally:
                server.shutdown()
                server.server_close()
        self.assertEqual(rc, 1, f"put_driver ended with {rc} (a signal if negative):\n{err}")
        self.assertIn("shrank while it was being uploaded", err)
        self.assertEqual(len(aborted), 1, aborted)


class Faults(unittest.TestCase):
    """Against fault_s3, which checks every x-amz-checksum-crc32c and fails chosen requests."""

    @classmethod
    def setUpClass(cls):
        cls.server = subprocess.Popen([sys.executable, fault_s3.__file__, "--port", "0"], stdout=subprocess.PIPE,
                                      text=True)
        line = cls.server.stdout.readline()
        cls.endpoint = line.rsplit(" ", 1)[-1].strip()
        cls.env = {"S3_ENDPOINT": cls.endpoint, "AWS_ACCESS_KEY_ID": "fault", "AWS_SECRET_ACCESS_KEY": "fault",
                   "AWS_DEFAULT_REGION": "us-east-1"}
        cls.s3 = harness.boto3_client({**cls.env, "S3_BUCKET": "b"})
        cls.s3.create_bucket(Bucket="b")

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait()

    def control(self, method, path, body=None):
        import urllib.request
        req = urllib.request.Request(self.endpoint + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def setUp(self):
        self.control("DELETE", "/_fault")
        self.control("DELETE", "/_log")

    def arm(self, op, fault, count=1):
        self.control("POST", "/_fault", {"op": op, "fault": fault, "count": count})

    def put(self, how, key, size, **kw):
        data = harness.random_bytes(size)
        return data, run_driver(self.env, how, "b", key, stdin=data, **kw)

    def assert_failed_and_aborted(self, rc, err, *words):
        self.assertEqual(rc, 1, err)
        for w in words:
            self.assertIn(w, err)
        self.assertEqual(self.control("GET", "/_uploads"), [])
        ops = [e["op"] for e in self.control("GET", "/_log")]
        self.assertIn("AbortMultipartUpload", ops)

    def test_checksums_are_verified_by_the_server(self):
        data, (rc, result, err) = self.put("writer", "ok", 3 * PART + 7)
        self.assertEqual(rc, 0, err)
        self.assertEqual(result["parts"], 4)
        self.assertEqual(self.s3.get_object(Bucket="b", Key="ok")["Body"].read(), data)

    def test_refused_part_aborts_the_upload(self):
        self.arm("UploadPart", "access_denied")
        _, (rc, _, err) = self.put("stream", "denied", 4 * PART)
        self.assert_failed_and_aborted(rc, err, "AccessDenied")

    def test_error_in_every_200_complete_aborts_the_upload(self):
        # One such answer is asked again (test_faults); on every attempt, the upload is given up.
        self.arm("CompleteMultipartUpload", "error_in_200", count=-1)
        _, (rc, _, err) = self.put("writer", "error200", 2 * PART + 1)
        self.assert_failed_and_aborted(rc, err, "InternalError")

    def test_transient_part_failure_is_retried(self):
        self.arm("UploadPart", "internal_error", count=2)
        data, (rc, _, err) = self.put("stream", "retried", 3 * PART)
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.s3.get_object(Bucket="b", Key="retried")["Body"].read(), data)

    def test_retries_spent_abort_the_upload(self):
        self.arm("UploadPart", "slow_down", count=-1)
        _, (rc, _, err) = self.put("stream", "slow", 2 * PART + 1, extra_env={"RAWS3_MAX_ATTEMPTS": "2"})
        self.assert_failed_and_aborted(rc, err, "SlowDown")


if __name__ == "__main__":
    harness.main()
