"""A Client that is safe to destroy (issue #12), against the fault server.

Through tests/tools/lifetime_driver: destroying a Client with calls of every form in flight (the server
keeps them waiting) runs each `done` exactly once, with raws3::Cancelled, before the destructor returns; a
blocking call made inside a callback throws raws3::Error at once instead of waiting for itself; a Client
whose last owner lets go inside a callback closes on its own thread; a writer whose Client is gone leaves no
multipart upload open and only reports errors. Through s3-cli: bench, whose cleanup gets an answer it
cannot read, reports it and exits 1 instead of crashing.
"""
import json
import re
import os
import subprocess
import time

import fault_server
import harness

DRIVER = os.environ.get("RAWS3_LIFETIME_DRIVER") or str(harness.REPO / "build" / "tests" / "lifetime_driver")
# No retries: a cancelled call must end because of the close, not because its attempts ran out.
TUNING = {"RAWS3_MAX_ATTEMPTS": "1", "RAWS3_TIMEOUT_MS": "60000"}


class Lifetime(fault_server.FaultServerTestCase):
    BUCKET = "lifetime"

    def drive(self, *args, timeout=60, before_close=None):
        """Runs the driver; before_close(), when given, runs before the driver is told to close its client."""
        env = harness.cli_env(self.server.env, TUNING)
        proc = subprocess.Popen([DRIVER, args[0], self.BUCKET, self.key, *args[1:]], env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if before_close:
            before_close()
        try:
            out, err = proc.communicate("close\n", timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        res = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        # A crash is a negative return code (a signal): never acceptable, whatever the scenario.
        self.assertGreaterEqual(res.returncode, 0, f"the driver crashed:\n{res.stderr[-4000:]}")
        lines = res.stdout.strip().splitlines()
        self.assertTrue(lines, f"no report; exit {res.returncode}\n{res.stderr[-4000:]}")
        return res.returncode, json.loads(lines[-1]), res.stderr

    def open_uploads(self):
        return [u for u in self.server.uploads() if u["key"].startswith(self.key)]

    def test_destroy_with_every_form_in_flight(self):
        # Everything waits but CreateMultipartUpload, so that the uploads are under way, with upload ids
        # the close must abort.
        for op in ("GetObject", "HeadObject", "PutObject", "DeleteObject", "ListObjectsV2", "UploadPart"):
            self.server.arm(op, "hang", count=-1, seconds=60)
        uploads = 4

        def every_upload_sent_a_part():
            # A part goes out only once its upload's CreateMultipartUpload was answered: the close must
            # then abort every one of them.
            deadline = time.monotonic() + 30
            want = {f"{self.key}-upload-{i}" for i in range(uploads)}
            while time.monotonic() < deadline:
                if want <= {e["key"] for e in self.server.log() if e["op"] == "UploadPart"}:
                    return
                time.sleep(0.05)
            self.fail("the uploads never reached their parts")

        rc, report, stderr = self.drive("inflight", str(uploads), before_close=every_upload_sent_a_part)
        self.assertEqual(report["other"], [], "every call must end Cancelled")
        self.assertEqual(report["done_at_close"], report["started"], "each done runs before ~Client returns")
        self.assertEqual(report["done"], report["started"], "and exactly once")
        self.assertEqual(report["cancelled"], report["started"])
        self.assertEqual(report["futures_cancelled"], report["futures"])
        self.assertLess(report["close_s"], 10, "closing cancels; it does not wait for the server")
        self.assertEqual(rc, 0, stderr)
        self.assertEqual(self.open_uploads(), [], "no multipart upload left open")
        ops = [e["op"] for e in self.server.log()]
        self.assertEqual(ops.count("AbortMultipartUpload"), ops.count("CreateMultipartUpload"))
        self.assertGreater(ops.count("CreateMultipartUpload"), 0)

    def test_blocking_call_inside_a_callback_fails_at_once(self):
        self.server.put(self.BUCKET, self.key, b"x" * 100)
        rc, report, stderr = self.drive("blocking", timeout=30)
        self.assertNotIn("deadlocked", report, stderr)
        self.assertEqual(len(report["outcomes"]), 6, report)
        for call, outcome in report["outcomes"].items():
            self.assertRegex(outcome, rf"raws3::Error: Client::{call} blocks, and cannot run on one of the client's "
                                      r"own loop threads")
        self.assertEqual(rc, 0, stderr)

    def test_last_owner_lets_go_inside_a_callback(self):
        self.server.arm("GetObject", "hang", count=-1, seconds=60)
        rc, report, stderr = self.drive("destroy-in-callback")
        self.assertEqual(report["waiting_call"], "cancelled")
        self.assertEqual(report["threads_after"], report["threads_before"], "the client's threads are gone")
        self.assertEqual(rc, 0, stderr)

    def test_writer_outliving_its_client(self):
        rc, report, stderr = self.drive("writer")
        self.assertRegex(report["outcome"], r"raws3::Error: this object writer's client was destroyed")
        self.assertEqual(rc, 0, stderr)
        self.assertEqual(self.open_uploads(), [], "the client's close aborted the upload")
        self.assertIsNone(self.server.get(self.BUCKET, self.key), "and no object was made")
        ops = [e["op"] for e in self.server.log()]
        self.assertIn("AbortMultipartUpload", ops)

    def test_bench_cleanup_failure_is_reported_not_a_crash(self):
        # Enough objects for several DeleteObjects batches: one unreadable answer fails the cleanup while the
        # other batches still wait for theirs. s3-cli used to exit under them (a segmentation fault).
        self.server.arm("DeleteObjects", "malformed_xml", count=1)
        self.server.arm("DeleteObjects", "hang", count=-1, seconds=3)
        # stat's objects are uploaded first, all of them whatever the machine's speed: three batches.
        res = harness.run_cli("--json", "bench", "stat", "--bucket", self.BUCKET, "--obj.size", "1KiB",
                              "--objects", "2100", "--concurrent", "16", "--duration", "1s", "--warmup", "0s",
                              env=self.server.env, global_args=True, timeout=120, extra_env=TUNING)
        self.assertGreaterEqual(res.rc, 0, f"s3-cli crashed:\n{res.describe()}")
        self.assertEqual(res.rc, 1, res.describe())
        json.loads(res.stdout)  # the report is still printed
        self.assertEqual(len([e for e in self.server.log() if e["op"] == "PutObject"]), 2100)
        # With --json the errors are JSON records on stderr too.
        errors = [json.loads(line)["error"] for line in res.stderr.splitlines() if line.startswith("{")]
        self.assertTrue(any(e["command"] == "bench" and e["target"].startswith("s3://lifetime/") and
                            re.match(r"(malformed XML in DeleteObjects response|connection closed by)", e["message"])
                            for e in errors), res.stderr)
        deletes = [e for e in self.server.log() if e["op"] == "DeleteObjects"]
        self.assertGreater(len(deletes), 1)


if __name__ == "__main__":
    harness.main()
