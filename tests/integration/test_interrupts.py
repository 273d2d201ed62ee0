#!/usr/bin/env python3
"""SIGINT and SIGTERM in the middle of a transfer: s3-cli undoes what it began and exits 130 or 143.

Against the fault server (tests/fault_server/fault_s3.py), which can stall any operation so that the
signal lands while a request is in flight, and which lists the multipart uploads left open:
- put from a pipe that stays open: the multipart upload is aborted, no object appears;
- get stalled after the response headers: no partial or temporary file is left, and the exit is at once
  even though the idle timeout is a minute away; after SIGKILL, no file either, hidden or not;
- a second signal while the clean-up itself hangs: the exit is at once;
- bench interrupted: it reports what it measured and removes its objects;
- sync up with its uploads hanging: every one aborted; sync down stalled: no file, partial or temporary.
And real servers (moto, MinIO): the abort reaches them and ListMultipartUploads is empty afterwards.
"""
import os
import signal
import subprocess
import threading
import time

import fault_server
import harness

BUCKET = "interrupts"
MiB = 1 << 20
# Faults stall for a minute; the idle timeout is as long, so only the cancellation can end them early.
TUNING = {"RAWS3_TIMEOUT_MS": "60000", "RAWS3_MAX_ATTEMPTS": "2"}
# How long an interrupted s3-cli may take to exit.
PROMPT = 5.0


def wait_until(condition, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Running:
    """An s3-cli process to be interrupted; optional data fed to its stdin, which then stays open."""

    def __init__(self, env, *args, feed=None, extra_env=None):
        self.proc = harness.start_cli(*args, env=env, global_args=True,
                                      stdin=subprocess.PIPE if feed is not None else subprocess.DEVNULL,
                                      extra_env=dict(TUNING, **(extra_env or {})))
        self.feeder = None
        if feed is not None:
            self.feeder = threading.Thread(target=self._feed, args=(feed,), daemon=True)
            self.feeder.start()

    def _feed(self, data):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # s3-cli is gone: the test's assertions say whether that was right

    def alive(self):
        return self.proc.poll() is None

    def signal(self, signo):
        self.proc.send_signal(signo)

    def finish(self, timeout=PROMPT):
        """(exit code, stdout, stderr, seconds it took) once s3-cli exits; fails if it takes longer."""
        started = time.monotonic()
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            out, err = self.proc.communicate()
            raise AssertionError(f"s3-cli still running {timeout} s after the signal: {' '.join(self.proc.argv)}\n"
                                 f"stderr: {err.decode(errors='replace')}")
        return self.proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"), \
            time.monotonic() - started


class FaultServerInterrupts(fault_server.FaultServerTestCase):
    BUCKET = BUCKET

    def ops(self):
        return [entry["op"] for entry in self.server.log()]

    def open_uploads(self):
        return [u for u in self.server.uploads() if u["key"] == self.key]

    def start_put_from_pipe(self):
        """s3-cli put - of 12 MiB in 5 MiB parts, stdin left open: returns once parts are on their way."""
        running = Running(self.server.env, "--part-size", "5MiB", "put", "-", f"s3://{BUCKET}/{self.key}",
                          feed=harness.random_bytes(12 * MiB, seed=self.key))
        wait_until(lambda: "UploadPart" in self.ops(), "the first UploadPart")
        self.assertTrue(running.alive(), "s3-cli ended before the signal")
        return running

    def assert_interrupted(self, rc, err, signo):
        self.assertEqual(rc, 128 + signo, err)
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, f"expected one line on stderr, got: {err!r}")
        self.assertIn(f"interrupted by {signal.Signals(signo).name}", lines[0])

    def check_put_is_aborted(self, signo):
        running = self.start_put_from_pipe()
        self.assertEqual(len(self.open_uploads()), 1)
        running.signal(signo)
        rc, _, err, took = running.finish()
        self.assert_interrupted(rc, err, signo)
        self.assertIn("AbortMultipartUpload", self.ops())
        self.assertEqual(self.open_uploads(), [])
        self.assertIsNone(self.server.get(BUCKET, self.key))
        self.assertNotIn("CompleteMultipartUpload", self.ops())
        self.assertLess(took, PROMPT)

    def test_sigint_during_put_aborts_the_upload(self):
        self.check_put_is_aborted(signal.SIGINT)

    def test_sigterm_during_put_aborts_the_upload(self):
        self.check_put_is_aborted(signal.SIGTERM)

    def interrupt_stalled_get(self, signo):
        """s3-cli get stalled after the answer's headers, with its file open, then signo: (exit code, stderr,
        seconds it took to exit, the names left in the destination's directory)."""
        self.server.put(BUCKET, self.key, harness.random_bytes(3 * MiB, seed=self.key))
        self.server.arm("GetObject", "stall", count=-1, seconds=60)
        dest_dir = self.tmp / "out"
        dest_dir.mkdir()
        running = Running(self.server.env, "get", f"s3://{BUCKET}/{self.key}", dest_dir / "object.bin")
        wait_until(lambda: "GetObject" in self.ops(), "the GET to reach the server")
        time.sleep(0.3)  # into the stall
        running.signal(signo)
        rc, _, err, took = running.finish()
        return rc, err, took, sorted(os.listdir(dest_dir))

    def test_sigint_during_get_leaves_no_file(self):
        rc, err, took, left = self.interrupt_stalled_get(signal.SIGINT)
        self.assert_interrupted(rc, err, signal.SIGINT)
        self.assertEqual(left, [], "a partial or temporary file was left")
        self.assertLess(took, PROMPT)

    def test_sigkill_during_get_leaves_nothing_hidden_or_not(self):
        # No handler runs after SIGKILL: only a file that has no name until it is whole leaves nothing.
        rc, _, _, left = self.interrupt_stalled_get(signal.SIGKILL)
        self.assertEqual(rc, -signal.SIGKILL)
        self.assertEqual(left, [], "a file was left")

    def test_sigint_during_sync_up_aborts_every_upload(self):
        tree = self.tmp / "tree"
        for i in range(4):
            (tree / f"d{i % 2}").mkdir(parents=True, exist_ok=True)
            harness.random_file(tree / f"d{i % 2}" / f"f{i}.bin", 12 * MiB, seed=i)
        self.server.arm("UploadPart", "hang", count=-1, seconds=60)
        running = Running(self.server.env, "--part-size", "5MiB", "sync", str(tree), f"s3://{BUCKET}/{self.key}/")
        # Every file's upload begun and known to s3-cli (a CreateMultipartUpload whose answer is still on its
        # way when the signal comes leaves an upload no one knows of): a part of each has been sent, which
        # s3-cli does only with the upload id in hand. The parts hang on the server.
        wait_until(lambda: len({e["key"] for e in self.server.log() if e["op"] == "UploadPart"}) == 4,
                   "uploads under way")
        running.signal(signal.SIGINT)
        rc, _, err, took = running.finish()
        self.assertEqual(rc, 130, err)
        self.assertEqual([u for u in self.server.uploads() if u["key"].startswith(self.key + "/")], [])
        self.assertNotIn("CompleteMultipartUpload", self.ops())
        self.assertLess(took, PROMPT)

    def test_sigint_during_sync_down_leaves_no_file(self):
        for i in range(4):
            self.server.put(BUCKET, f"{self.key}/f{i}.bin", harness.random_bytes(MiB, seed=i))
        self.server.arm("GetObject", "stall", count=-1, seconds=60)
        down = self.tmp / "down"
        running = Running(self.server.env, "sync", f"s3://{BUCKET}/{self.key}/", str(down))
        wait_until(lambda: self.ops().count("GetObject") >= 2, "downloads under way")
        time.sleep(0.3)  # into the stall, with temporary files open
        running.signal(signal.SIGINT)
        rc, _, err, took = running.finish()
        self.assertEqual(rc, 130, err)
        left = [p for p in down.rglob("*") if not p.is_dir()] if down.exists() else []
        self.assertEqual(left, [], "a partial or temporary file was left")
        self.assertLess(took, PROMPT)

    def test_second_signal_exits_while_cleaning_up(self):
        self.server.arm("AbortMultipartUpload", "hang", count=-1, seconds=60)
        running = self.start_put_from_pipe()
        running.signal(signal.SIGINT)
        wait_until(lambda: "AbortMultipartUpload" in self.ops(), "the clean-up to start")
        time.sleep(0.3)
        self.assertTrue(running.alive(), "s3-cli should still be waiting on the stalled abort")
        running.signal(signal.SIGINT)
        rc, _, err, took = running.finish(timeout=2.0)
        self.assertEqual(rc, 130, err)
        self.assertLess(took, 2.0)

    def test_interrupted_bench_reports_and_removes_its_objects(self):
        prefix = f"{self.key}/"
        running = Running(self.server.env, "bench", "put", "--bucket", BUCKET, "--prefix", prefix,
                          "--obj.size", "64KiB", "--concurrent", "4", "--duration", "60s", "--warmup", "0s")
        wait_until(lambda: self.ops().count("PutObject") >= 20, "the benchmark to be under way")
        running.signal(signal.SIGINT)
        rc, out, err, _ = running.finish(timeout=20)
        self.assertEqual(rc, 130, err)
        self.assertIn("stopped by interrupt", out)
        self.assertRegex(out, r"put: [0-9.]+ MiB/s")
        # Every object it made is gone.
        status, listing = self.server.request("GET", f"/{BUCKET}?list-type=2&prefix={prefix}")
        self.assertEqual(status, 200)
        self.assertNotIn(b"<Key>", listing)
        self.assertIn("DeleteObjects", self.ops())


class ServerInterrupt:
    def test_sigint_during_put_aborts_the_upload_on_the_server(self):
        key = self.prefix() + "object"
        running = Running(self.env, "--part-size", "5MiB", "put", "-", f"s3://{self.bucket}/{key}",
                          feed=harness.random_bytes(12 * MiB, seed=key))

        def open_uploads():
            # No Prefix: moto miscomputes signatures of query values holding '/'.
            uploads = self.s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
            return [u for u in uploads if u["Key"] == key]

        wait_until(lambda: open_uploads() and self.s3.list_parts(
            Bucket=self.bucket, Key=key, UploadId=open_uploads()[0]["UploadId"]).get("Parts"), "a part on the server")
        running.signal(signal.SIGINT)
        rc, _, err, took = running.finish()
        self.assertEqual(rc, 130, err)
        self.assertEqual(open_uploads(), [])
        with self.assertRaises(self.s3.exceptions.ClientError) as missing:
            self.s3.head_object(Bucket=self.bucket, Key=key)
        self.assertEqual(missing.exception.response["Error"]["Code"], "404")
        self.assertLess(took, PROMPT)

    def test_sigint_during_cp_recursive_aborts_every_upload(self):
        # cp -r runs several multipart uploads at once through the transfer queue: each is aborted, none
        # completes, and the walk stops feeding new ones.
        prefix = self.prefix()
        tree = self.tmp / "tree"
        tree.mkdir()
        for i in range(8):
            harness.random_file(tree / f"f{i}.bin", 30 * MiB, seed=i)
        running = Running(self.env, "--part-size", "5MiB", "--concurrency", "2", "cp", "-r", str(tree),
                          f"s3://{self.bucket}/{prefix}")

        def open_uploads():
            uploads = self.s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
            return [u for u in uploads if u["Key"].startswith(prefix)]

        def a_part_arrived():
            for u in open_uploads():
                try:
                    if self.s3.list_parts(Bucket=self.bucket, Key=u["Key"], UploadId=u["UploadId"]).get("Parts"):
                        return True
                except self.s3.exceptions.NoSuchUpload:
                    pass  # completed between the two requests
            return False

        wait_until(a_part_arrived, "a part on the server")
        running.signal(signal.SIGINT)
        rc, _, err, took = running.finish()
        self.assertEqual(rc, 130, err)
        self.assertEqual(open_uploads(), [])
        # Whatever completed before the signal is whole; nothing else is there.
        for key in harness.list_keys(self.s3, self.bucket, prefix) if self.LISTS_UNDER_PREFIX else []:
            name = key[len(prefix):]
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            self.assertEqual(harness.sha256_bytes(body), harness.sha256_file(tree / name), key)
        self.assertLess(took, PROMPT)


class ServerInterrupt_moto(ServerInterrupt, harness.ServerTestCase):
    SERVER = "moto"
    LISTS_UNDER_PREFIX = False  # moto refuses '/' in a listing's prefix (test_cli_basic)


class ServerInterrupt_minio_ec(ServerInterrupt, harness.ServerTestCase):
    SERVER = "minio-ec"
    LISTS_UNDER_PREFIX = True

if __name__ == "__main__":
    harness.main()
