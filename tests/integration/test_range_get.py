#!/usr/bin/env python3
"""Whole-object GET as concurrent ranged GETs (issue 4), through tests/tools/get_driver.

Against s3rver and moto, with small parts (RAWS3_GET_PART_SIZE=1MiB, RAWS3_GET_THRESHOLD=2MiB) so every
boundary is cheap to reach: objects of 0, 1, part-1, part, part+1, threshold-1, threshold, threshold+1
bytes and a few parts arrive SHA-256-exact in every destination (caller memory, an owned string, stdout
in order, a file, /dev/null, a FIFO, the discard sink). An object replaced mid-download fails with
"object changed during download" (moto answers If-Match with 412; s3rver ignores If-Match, and the
ETag check on every part catches it), and a failed download leaves an existing file untouched with no
temporary beside it.

The classes named *Large* (meson suite 'large') move a few hundred MiB, check that the peak resident
memory stays within inflight x part size + 16 MiB, and replace an object under a download to a file.
moto reads the whole object for every ranged GET, so it gets larger parts there.
"""
import hashlib
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import fault_server
import harness
from harness import MiB

DRIVER = os.environ.get("RAWS3_GET_DRIVER") or str(harness.REPO / "build" / "tests" / "get_driver")
PART = 1 * MiB
THRESHOLD = 2 * MiB
SMALL_TUNING = {"RAWS3_GET_PART_SIZE": str(PART), "RAWS3_GET_THRESHOLD": str(THRESHOLD),
                "RAWS3_GET_INFLIGHT": "3"}
SIZES = [0, 1, PART - 1, PART, PART + 1, THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, 5 * PART + 12345]
CHANGED = "object changed during download"


class Driver:
    """Runs get_driver against the test's server."""

    def driver_env(self, tuning):
        return harness.cli_env(self.env, {**SMALL_TUNING, **(tuning or {})})

    def start(self, mode, key, *extra, tuning=None, stdout=subprocess.PIPE):
        if not os.access(DRIVER, os.X_OK):
            self.fail(f"get_driver not built at {DRIVER} (set RAWS3_GET_DRIVER)")
        return subprocess.Popen([DRIVER, mode, self.bucket, key, *map(str, extra)], stdout=stdout,
                                stderr=subprocess.PIPE, env=self.driver_env(tuning), start_new_session=True)

    def run_driver(self, mode, key, *extra, tuning=None, timeout=300):
        """(exit status, SHA-256 of stdout, stderr text, the result line as a dict or None)."""
        sha = hashlib.sha256()
        err = []
        with self.start(mode, key, *extra, tuning=tuning) as proc:
            reader = threading.Thread(target=lambda: err.append(proc.stderr.read()))
            reader.start()
            deadline = time.monotonic() + timeout
            while chunk := proc.stdout.read(1 << 20):
                sha.update(chunk)
                if time.monotonic() > deadline:
                    proc.kill()
                    self.fail(f"get_driver {mode} {key} took more than {timeout} s")
            rc = proc.wait()
            reader.join()
        stderr = err[0].decode(errors="replace")
        result = None
        if rc == 0:
            result = json.loads(stderr.strip().splitlines()[-1])
        return rc, sha.hexdigest(), stderr, result

    def put(self, key, size, seed=None):
        data = harness.random_bytes(size, seed)
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return harness.sha256_bytes(data)

    def put_file(self, key, size):
        src = self.tmp / "upload"
        sha = harness.random_file(src, size)
        self.s3.upload_file(str(src), self.bucket, key)
        src.unlink()
        return sha

    def assert_ok(self, rc, stderr, what):
        self.assertEqual(rc, 0, f"{what} failed:\n{stderr[-3000:]}")

    def leftovers(self):
        return sorted(p.name for p in self.tmp.iterdir() if ".raws3-" in p.name)

    def bytes_landed(self, proc):
        """Whether proc has written into a download's file in self.tmp yet: an unnamed one (O_TMPFILE, seen
        through /proc/PID/fd) or a hidden temporary beside its target."""
        fds = f"/proc/{proc.pid}/fd"
        for fd in os.listdir(fds):
            try:
                target = os.readlink(f"{fds}/{fd}")
                if target.startswith(str(self.tmp) + "/") and os.stat(f"{fds}/{fd}").st_size > 0:
                    return True
            except OSError:
                pass  # closed meanwhile
        return any((self.tmp / name).stat().st_size > 0 for name in self.leftovers())


class RangeGetMixin(Driver):
    def test_sizes_into_every_destination(self):
        prefix = self.prefix()
        for size in SIZES:
            key = f"{prefix}obj-{size}"
            sha = self.put(key, size)
            etag = self.s3.head_object(Bucket=self.bucket, Key=key)["ETag"].strip('"')
            for mode in ("memory", "string", "stdout"):
                with self.subTest(size=size, mode=mode):
                    rc, got, stderr, result = self.run_driver(mode, key)
                    self.assert_ok(rc, stderr, f"{mode} of {size} bytes")
                    self.assertEqual(got, sha)
                    self.assertEqual(result["size"], size)
            for mode in ("file", "discard"):
                with self.subTest(size=size, mode=mode):
                    dest = self.tmp / "dest"
                    rc, _, stderr, result = self.run_driver(mode, key, *([dest] if mode == "file" else []))
                    self.assert_ok(rc, stderr, f"{mode} of {size} bytes")
                    self.assertEqual(result["size"], size)
                    self.assertEqual(result["etag"], etag)
                    if size:
                        self.assertEqual(result["progress_done"], size)
                        self.assertEqual(result["progress_total"], size)
                    if mode == "file":
                        self.assertEqual(harness.sha256_file(dest), sha)
                        self.assertEqual(self.leftovers(), [])

    def test_devices_and_fifos_are_written_in_order(self):
        key = self.prefix() + "obj"
        sha = self.put(key, 7 * PART + 99)
        rc, _, stderr, result = self.run_driver("file", key, "/dev/null")
        self.assert_ok(rc, stderr, "GET to /dev/null")
        self.assertTrue(os.path.exists("/dev/null") and not os.path.isfile("/dev/null"))

        fifo = self.tmp / "fifo"
        os.mkfifo(fifo)
        got = {}

        def drain():
            with open(fifo, "rb") as f:
                got["sha"] = hashlib.sha256(f.read()).hexdigest()

        reader = threading.Thread(target=drain)
        reader.start()
        rc, _, stderr, _ = self.run_driver("file", key, fifo)
        reader.join(60)
        self.assert_ok(rc, stderr, "GET to a FIFO")
        self.assertEqual(got.get("sha"), sha)
        self.assertEqual(self.leftovers(), [])

    def test_failure_leaves_the_existing_file_alone(self):
        dest = self.tmp / "dest"
        dest.write_bytes(b"old content")
        rc, _, stderr, _ = self.run_driver("file", self.prefix() + "missing", dest)
        self.assertNotEqual(rc, 0)
        self.assertIn("NoSuchKey", stderr)
        self.assertEqual(dest.read_bytes(), b"old content")
        self.assertEqual(self.leftovers(), [])

    def test_object_replaced_while_streaming(self):
        key = self.prefix() + "obj"
        self.put(key, 24 * PART)
        # The reorder window holds the first request's piece and one part per worker: most parts are
        # asked for only after this reader has taken its first MiB, by then of the new object.
        with self.start("stdout", key, tuning={"RAWS3_GET_INFLIGHT": "2"}) as proc:
            first = proc.stdout.read(PART)
            self.assertEqual(len(first), PART)
            self.put(key, 24 * PART)
            proc.stdout.read()
            stderr = proc.stderr.read().decode(errors="replace")
            self.assertEqual(proc.wait(), 1, stderr)
        self.assertIn(CHANGED, stderr)


class RangeGetLargeMixin(Driver):
    # moto reads the whole object to serve any range: fewer, larger parts there.
    LARGE_PART = {"s3rver": PART, "moto": 16 * MiB, "minio": PART}
    INFLIGHT = 4

    def tuning(self):
        part = self.LARGE_PART[self.SERVER]
        return {"RAWS3_GET_PART_SIZE": str(part), "RAWS3_GET_THRESHOLD": str(2 * part),
                "RAWS3_GET_INFLIGHT": str(self.INFLIGHT)}

    def test_few_hundred_mib_in_bounded_memory(self):
        size = 300 * MiB + 7
        key = self.prefix() + "big"
        sha = self.put_file(key, size)
        bound = self.INFLIGHT * self.LARGE_PART[self.SERVER] + 16 * MiB
        for mode in ("file", "stdout", "discard"):
            with self.subTest(mode=mode):
                dest = self.tmp / "dest"
                rc, got, stderr, result = self.run_driver(mode, key, *([dest] if mode == "file" else []),
                                                          tuning=self.tuning())
                self.assert_ok(rc, stderr, f"{mode} of {size} bytes")
                self.assertEqual(result["size"], size)
                if mode == "file":
                    got = harness.sha256_file(dest)
                    dest.unlink()
                if mode != "discard":
                    self.assertEqual(got, sha)
                growth = (result["hwm_kib"] - result["rss_before_kib"]) * 1024
                self.assertLessEqual(growth, bound,
                                     f"{mode}: peak RSS grew by {growth / MiB:.1f} MiB, bound {bound / MiB:.0f} MiB")

    def test_object_replaced_during_download_to_file(self):
        key = self.prefix() + "obj"
        self.put_file(key, 160 * MiB)
        dest = self.tmp / "dest"
        dest.write_bytes(b"old content")
        # One request at a time, so the download is still going when the object is replaced.
        tuning = {**self.tuning(), "RAWS3_GET_INFLIGHT": "1", "RAWS3_THREADS": "1"}
        with self.start("file", key, dest, tuning=tuning, stdout=subprocess.DEVNULL) as proc:
            deadline = time.monotonic() + 60
            while not self.bytes_landed(proc):
                self.assertIsNone(proc.poll(), "the download ended before the object could be replaced")
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.005)
            self.put(key, 1000)
            stderr = proc.stderr.read().decode(errors="replace")
            self.assertEqual(proc.wait(), 1, stderr)
        self.assertIn(CHANGED, stderr)
        self.assertEqual(dest.read_bytes(), b"old content")
        self.assertEqual(self.leftovers(), [])


class RangeGetMixinFaults(Driver, unittest.TestCase):
    """Against fault_s3 (tests/fault_server): a part whose body breaks is asked again from the byte it
    reached; refusals the executor retries are retried. Named *Mixin* so that test_range_get's -k
    selects it."""

    @classmethod
    def setUpClass(cls):
        cls.server = fault_server.start()
        cls.env = cls.server.env
        cls.bucket = "b"
        cls.server.create_bucket(cls.bucket)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        d = tempfile.TemporaryDirectory(prefix="raws3-it-")
        self.addCleanup(d.cleanup)
        self.tmp = Path(d.name)

    def test_broken_and_refused_parts_are_fetched_again(self):
        data = harness.random_bytes(9 * PART + 5)
        self.server.put(self.bucket, "obj", data)
        for fault in ("reset_mid_body", "truncated", "slow_down", "internal_error", "chunked", "stall"):
            for mode in ("file", "stdout", "memory"):
                with self.subTest(fault=fault, mode=mode):
                    self.server.clear_log()
                    # The first request and three parts suffer it.
                    self.server.arm("GetObject", fault, count=4, seconds=5)
                    dest = self.tmp / "dest"
                    rc, got, stderr, _ = self.run_driver(mode, "obj", *([dest] if mode == "file" else []),
                                                         tuning={"RAWS3_TIMEOUT_MS": "500"})
                    self.server.disarm()
                    self.assert_ok(rc, stderr, f"{mode} with {fault}")
                    self.assertEqual(harness.sha256_file(dest) if mode == "file" else got, harness.sha256_bytes(data))
                    self.assertEqual(sum(1 for e in self.server.log() if e["op"] == "GetObject" and e["fault"]), 4)


harness.server_variants(RangeGetMixin, ["s3rver", "moto", "minio", "minio-ec"], globals())
harness.server_variants(RangeGetLargeMixin, ["s3rver", "moto", "minio"], globals())

if __name__ == "__main__":
    harness.main()
