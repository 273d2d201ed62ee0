#!/usr/bin/env python3
"""s3-cli where io_uring is refused, as in a default Docker 25+ or containerd 2 container.

tests/tools/no_uring runs s3-cli under a seccomp filter that fails io_uring_setup (and io_uring_enter,
io_uring_register) with EPERM. With RAWS3_IO unset, s3-cli must say once on stderr that it falls back
to epoll and then work: files and stdin up (multipart, with CRC32C checksums the server checks), down to
a file and to stdout, SHA-256-exact, and a listing. With RAWS3_IO=uring it must fail with one line
naming the cause and exit 1.
"""
import os
import unittest
from pathlib import Path

import harness
from harness import MiB, sha256_bytes

NO_URING = os.environ.get("RAWS3_NO_URING") or str(harness.REPO / "build" / "tests" / "no_uring")
FALLBACK = "s3-cli: io_uring unavailable (io_uring_setup: Operation not permitted): using epoll"
REQUIRED = "io_uring unavailable: io_uring_setup: Operation not permitted (RAWS3_IO=uring)"


class NoUringMixin:
    def setUp(self):
        super().setUp()
        if not os.access(NO_URING, os.X_OK):
            self.fail(f"no_uring not built at {NO_URING} (set RAWS3_NO_URING)")
        self.bucket = self.make_bucket()

    def run_without_uring(self, *args, io=None, stdin=None):
        # io=None: RAWS3_IO unset (auto), whatever the test run set it to.
        return self.cli(*args, under=[NO_URING], extra_env={"RAWS3_IO": io}, stdin=stdin, timeout=120)

    def ok_with_fallback(self, *args, stdin=None):
        res = self.run_without_uring(*args, stdin=stdin)
        self.assertCliOk(res)
        self.assertEqual(res.stderr.splitlines().count(FALLBACK), 1, res.describe())
        return res

    def test_auto_falls_back_to_epoll_and_works(self):
        url = f"s3://{self.bucket}"
        data = harness.random_bytes(12 * MiB + 12345, seed=12)
        source = self.tmp / "source.bin"
        source.write_bytes(data)
        self.ok_with_fallback("--part-size", "5MiB", "put", source, f"{url}/file.bin")
        # From a pipe: the loop waits for stdin to be readable instead of blocking on it.
        piped = harness.random_bytes(7 * MiB + 1, seed=7)
        self.ok_with_fallback("--part-size", "5MiB", "put", "-", f"{url}/piped.bin", stdin=piped)
        small = b"a small object\n"
        self.ok_with_fallback("put", "-", f"{url}/small.txt", stdin=small)

        # The server kept what was sent (boto3 reads it back), and checked the parts' checksums.
        self.assertEqual(sha256_bytes(self.s3.get_object(Bucket=self.bucket, Key="file.bin")["Body"].read()),
                         sha256_bytes(data))
        head = self.s3.head_object(Bucket=self.bucket, Key="piped.bin", ChecksumMode="ENABLED")
        self.assertEqual(head["ContentLength"], len(piped))

        target = self.tmp / "back.bin"
        self.ok_with_fallback("get", f"{url}/file.bin", target)
        self.assertEqual(sha256_bytes(target.read_bytes()), sha256_bytes(data))
        self.assertEqual(sha256_bytes(self.ok_with_fallback("get", f"{url}/piped.bin", "-").stdout),
                         sha256_bytes(piped))
        self.assertEqual(self.ok_with_fallback("cat", f"{url}/small.txt").stdout, small)

        # Recursive: moto refuses the "/" delimiter a plain ls sends.
        listing = self.ok_with_fallback("ls", "--recursive", url).stdout.decode()
        for key, size in (("file.bin", len(data)), ("piped.bin", len(piped)), ("small.txt", len(small))):
            line = next((l for l in listing.splitlines() if l.endswith(key)), None)
            self.assertIsNotNone(line, listing)
            self.assertIn(str(size), line.split())

    def test_uring_required_fails_with_one_line(self):
        res = self.run_without_uring("ls", f"s3://{self.bucket}", io="uring")
        self.assertEqual(res.rc, 1, res.describe())
        lines = res.stderr.splitlines()
        self.assertEqual(len(lines), 1, res.describe())
        self.assertTrue(lines[0].startswith("s3-cli: ls"), res.describe())
        self.assertTrue(lines[0].endswith(REQUIRED), res.describe())
        self.assertEqual(res.stdout, b"")

    def test_epoll_asked_for_says_nothing(self):
        source = self.tmp / "asked.txt"
        source.write_bytes(b"epoll on request\n")
        res = self.run_without_uring("put", source, f"s3://{self.bucket}/asked.txt", io="epoll")
        self.assertCliOk(res)
        self.assertNotIn("io_uring", res.stderr)

    def test_unknown_engine_is_a_clear_error(self):
        res = self.cli("ls", f"s3://{self.bucket}", extra_env={"RAWS3_IO": "iouring"})
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("RAWS3_IO: 'iouring' is not one of auto, uring, epoll", res.stderr)
        self.assertEqual(len(res.stderr.splitlines()), 1, res.describe())


harness.server_variants(NoUringMixin, ["s3rver", "moto", "minio"], globals())

if __name__ == "__main__":
    harness.main()
