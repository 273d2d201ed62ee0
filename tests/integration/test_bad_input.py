"""Bad input, named (issue #6), against the fault server: each ends with exit 1 and one line naming the cause,
and leaves nothing half-written.

An expired session token (the server's 400 ExpiredToken, not retried); credentials from a credential_process
whose Expiration has passed (named with the command and the time, before any request); a destination directory
that does not exist or is read-only (named with the OS's reason, before the object is fetched); an object
larger than memory read into memory through the library (refused at once, naming its size and the memory
available, the process staying small).
"""
import json
import os
import re
import subprocess
import time

import fault_server
import harness
from harness import MiB
from test_cli_errors import OneLineErrors

BUCKET = "bad-input"
# Attempts stay above one, so that a retry would show in the server's log.
TUNING = {"RAWS3_MAX_ATTEMPTS": "4", "RAWS3_TIMEOUT_MS": "5000"}
GET_DRIVER = os.environ.get("RAWS3_GET_DRIVER") or str(harness.REPO / "build" / "tests" / "get_driver")
PIB = 1 << 50


class BadInput(OneLineErrors, fault_server.FaultServerTestCase):
    BUCKET = BUCKET

    def setUp(self):
        super().setUp()
        self.url = f"s3://{BUCKET}/{self.key}"
        self.server.put(BUCKET, self.key, harness.random_bytes(100_000, seed=self.key))
        self.server.clear_log()

    def cli(self, *args, **extra_env):
        return harness.run_cli(*args, env=self.server.env, global_args=True, extra_env=dict(TUNING, **extra_env),
                               timeout=60)

    def requests(self, op=None):
        return [e for e in self.server.log() if op is None or e["op"] == op]

    def empty_dir(self, name):
        d = self.tmp / name
        d.mkdir()
        return d

    # --- credentials ---------------------------------------------------------------------------------

    def test_expired_session_token(self):
        self.server.arm("*", "expired_token", count=-1)
        out = self.empty_dir("out")
        src = self.tmp / "src.bin"
        src.write_bytes(b"x" * 1000)
        for args in (("get", self.url, out / "object.bin"), ("put", src, self.url + ".up")):
            with self.subTest(command=args[0]):
                self.server.clear_log()
                res = self.cli(*args, AWS_SESSION_TOKEN="an-expired-session-token")
                self.assert_one_line(res, 1, r"ExpiredToken \(HTTP 400\): The provided token has expired")
                self.assertEqual(len(self.requests()), 1, "an expired token must not be retried")
        self.assertEqual(os.listdir(out), [], "a partial file was left")
        self.assertIsNone(self.server.get(BUCKET, self.key + ".up"))
        # Without a session token the server has nothing to refuse: the token was the cause.
        self.assertEqual(self.cli("get", self.url, out / "object.bin").rc, 0)

    def test_credential_process_printing_a_past_expiration(self):
        helper = self.tmp / "expired-creds.sh"
        helper.write_text("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": \"secret\", "
                          "\"SessionToken\": \"token\", \"Expiration\": \"2020-01-02T03:04:05Z\"}'\n")
        helper.chmod(0o755)
        config = self.tmp / "config"
        config.write_text(f"[profile expired]\ncredential_process = {helper}\n")
        out = self.empty_dir("out")
        res = self.cli("get", self.url, out / "object.bin", AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                       AWS_PROFILE="expired", AWS_CONFIG_FILE=str(config),
                       AWS_SHARED_CREDENTIALS_FILE=str(self.tmp / "no-credentials"), HOME=str(self.tmp))
        self.assert_one_line(res, 1, rf'credential_process "{re.escape(str(helper))}" returned credentials that '
                                     r"expired at 2020-01-02T03:04:05Z")
        self.assertEqual(self.requests(), [], "expired credentials were sent")
        self.assertEqual(os.listdir(out), [])

    # --- the destination -----------------------------------------------------------------------------

    def check_destination_refused(self, directory, reason):
        """get and cp into `directory`: exit 1 naming it and reason, nothing written, the object not fetched."""
        target = directory / "object.bin"
        for args in (("get", self.url, target), ("cp", self.url, "file://" + str(target))):
            with self.subTest(command=args[0]):
                res = self.cli(*args)
                self.assert_one_line(res, 1, rf"'{re.escape(str(directory))}': {reason}$")
        self.assertEqual(self.requests("GetObject"), [], "the object was fetched with nowhere to put it")

    def test_destination_directory_that_does_not_exist(self):
        self.check_destination_refused(self.tmp / "missing" / "dir", "No such file or directory")
        self.assertFalse((self.tmp / "missing").exists(), "the missing directory was created")

    def test_destination_directory_that_is_read_only(self):
        ro = self.empty_dir("ro")
        # As root, permissions do not stop a write: a read-only mount does.
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)], capture_output=True,
                                 text=True)
        if mounted.returncode != 0:
            self.skipTest(f"cannot mount a read-only tmpfs here: {mounted.stderr.strip()}")
        self.addCleanup(subprocess.run, ["umount", str(ro)], check=True)
        self.check_destination_refused(ro, "Read-only file system")
        self.assertEqual(os.listdir(ro), [])

    # --- headers -------------------------------------------------------------------------------------

    def test_header_injection_is_refused_before_anything_is_sent(self):
        # CR, LF or NUL in a header value would end the header there, and what follows would reach the
        # server as headers of its own; a name that is not a token breaks the block too.
        small = self.tmp / "small.bin"
        small.write_bytes(b"x" * 1000)
        big = self.tmp / "big.bin"  # above one 5 MiB part: the headers go on CreateMultipartUpload
        big.write_bytes(harness.random_bytes(5 * MiB + 1, seed="big"))
        tree = self.empty_dir("tree")
        (tree / "one.bin").write_bytes(b"y" * 10)
        url = "{url}"
        cases = [
            (("put", small, url, "--content-type", "text/plain\r\nX-Injected: 1"), "header Content-Type: .*carriage return"),
            (("put", small, url, "--metadata", "note=a\nX-Injected: 1"), "header x-amz-meta-note: .*line feed"),
            (("put", big, url, "--part-size", "5MiB", "--metadata", "note=a\nb"), "header x-amz-meta-note: .*line feed"),
            (("put", "-", url, "--content-type", "a\rb"), "header Content-Type: .*carriage return"),
            (("put", small, url, "--metadata", "bad key=v"), r'header name "x-amz-meta-bad key" is not an HTTP token'),
            (("cp", "-r", tree, url + "/", "--metadata", "bad:key=v"), r'header name "x-amz-meta-bad:key" is not an HTTP token'),
        ]
        for n, (args, pattern) in enumerate(cases):
            key = f"{self.key}.injected{n}"
            with self.subTest(args=args):
                self.server.clear_log()
                res = self.cli(*(str(a).replace(url, f"s3://{BUCKET}/{key}") for a in args))
                self.assert_one_line(res, 1, pattern + ".*nothing was sent")
                self.assertEqual(self.requests(), [], "a request reached the server")
                self.assertIsNone(self.server.get(BUCKET, key))
                self.assertIsNone(self.server.get(BUCKET, key + "/one.bin"))
        self.assertEqual(self.server.uploads(), [], "a multipart upload was started")

    def test_session_token_with_a_line_break_is_refused_unsent_and_untold(self):
        # A token pasted with its line end (a credentials file saved on Windows): x-amz-security-token.
        out = self.empty_dir("out")
        res = self.cli("get", self.url, out / "object.bin", AWS_SESSION_TOKEN="FwoGZXIvYXdzEXAMPLE\r\nX-Injected: 1")
        self.assert_one_line(res, 1, r"header x-amz-security-token: the value holds a carriage return \(CR\)")
        self.assertNotIn("FwoGZXIvYXdzEXAMPLE", res.stderr, "the token was printed")
        self.assertEqual(self.requests(), [], "a request reached the server")
        self.assertEqual(os.listdir(out), [])

    # --- part sizes ----------------------------------------------------------------------------------

    def test_upload_part_size_outside_s3s_limits_is_refused_before_any_request(self):
        # Before, --part-size 1MiB sent the whole object in 1 MiB parts and CompleteMultipartUpload failed.
        big = self.tmp / "big.bin"
        big.write_bytes(harness.random_bytes(3 * MiB, seed="parts"))
        tree = self.empty_dir("tree")
        (tree / "one.bin").write_bytes(b"z" * 10)
        dest = f"s3://{BUCKET}/{self.key}.parts"
        usage = [("--part-size", "1MiB", "put", big, dest), ("--part-size", "5242879", "put", "-", dest),
                 ("--part-size", "1MiB", "cp", big, dest), ("--part-size", "1MiB", "cp", "-r", tree, dest + "/"),
                 ("--part-size", "6GiB", "put", big, dest),
                 ("--part-size", "1MiB", "bench", "multipart", "--bucket", BUCKET, "--obj.size", "11MiB",
                  "--duration", "1s")]
        for args in usage:
            with self.subTest(args=args):
                self.server.clear_log()
                res = self.cli(*args)
                self.assert_one_line(res, 2, rf"--part-size {args[1]} is outside what S3 accepts for upload "
                                             r"parts, 5MiB to 5GiB")
                self.assertEqual(self.requests(), [])
        self.server.clear_log()
        res = self.cli("put", big, dest, RAWS3_PUT_PART_SIZE="1MiB")
        self.assert_one_line(res, 1, r"RAWS3_PUT_PART_SIZE: 1MiB is outside what S3 accepts for upload parts")
        self.assertEqual(self.requests(), [])
        self.assertIsNone(self.server.get(BUCKET, self.key + ".parts"))
        self.assertEqual(self.server.uploads(), [])

    def test_small_part_size_still_serves_downloads(self):
        # --part-size sets GET ranges too, which have no floor: a get in 1 MiB ranges works.
        data = harness.random_bytes(3 * MiB + 5, seed="ranges")
        self.server.put(BUCKET, self.key + ".ranged", data)
        self.server.clear_log()
        out = self.tmp / "ranged.bin"
        res = self.cli("--part-size", "1MiB", "get", f"s3://{BUCKET}/{self.key}.ranged", out,
                       RAWS3_GET_THRESHOLD="1MiB")
        self.assertEqual(res.rc, 0, res.describe())
        self.assertEqual(harness.sha256_file(out), harness.sha256_bytes(data))
        # The whole-object request its head showed too large (given up), then four ranges.
        self.assertEqual(len(self.requests("GetObject")), 1 + 4, "not fetched in 1 MiB ranges")

    # --- memory --------------------------------------------------------------------------------------

    def test_object_larger_than_memory_read_into_memory(self):
        if not os.access(GET_DRIVER, os.X_OK):
            self.fail(f"get_driver not built at {GET_DRIVER} (set RAWS3_GET_DRIVER)")
        self.server.arm("GetObject", "huge_object", count=-1, key="huge", size=PIB)
        # get_object: ranged GETs spread over the loops; get_object_async: a single GET.
        for mode in ("string", "async"):
            with self.subTest(mode=mode):
                self.server.clear_log()
                started = time.monotonic()
                proc = subprocess.run([GET_DRIVER, mode, BUCKET, "huge"], env=harness.cli_env(self.server.env),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60)
                seconds = time.monotonic() - started
                lines = proc.stderr.strip().splitlines()
                self.assertEqual(proc.returncode, 1, proc.stderr)
                self.assertRegex(lines[0], rf"^get_driver: s3://{BUCKET}/huge has {PIB} bytes, more than the \d+ "
                                           r"bytes of memory available \(.+\): read it with get_to_file or get_to")
                self.assertLess(seconds, 10, "the refusal was not at once")
                self.assertLess(json.loads(lines[-1])["hwm_kib"], 256 << 10, "memory grew before the refusal")
                self.assertEqual(len(self.requests("GetObject")), 1, "the refusal was retried")


if __name__ == "__main__":
    harness.main()
