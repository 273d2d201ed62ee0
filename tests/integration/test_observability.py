#!/usr/bin/env python3
"""What s3-cli says while it works: a retry notice per retried attempt (on by default), a final error
naming the attempts and the time they took, a line per request attempt with --debug or RAWS3_LOG=debug
(status, S3 code, the server's request id, attempt n of m, bytes, latency, connection reuse) and never a
secret; --cli-connect-timeout and --cli-read-timeout (awscli's, in seconds, 0 for none).

Against a server that accepts and never answers, a listen socket whose backlog is full (a connect that
never completes), the fault server (tests/fault_server) and moto / radosgw.
"""
import os
import re
import socket
import subprocess
import threading
import time
import unittest
import uuid

import fault_server
import harness

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIDOBSERVE", "AWS_SECRET_ACCESS_KEY": "observe", "AWS_DEFAULT_REGION": "us-east-1"}
DEBUG = re.compile(r"^s3-cli: debug: ")
WARNING = re.compile(r"^s3-cli: warning: ")


def lines_of(res):
    return [line for line in res.stderr.splitlines() if line.strip()]


class SilentServer:
    """Accepts every connection and never answers; counts the connections."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.listener.close()
        for conn in self.accepted:
            conn.close()


def full_backlog_listener():
    """A listening socket nobody accepts from, its backlog filled: the next connect never completes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    while True:
        conn = socket.socket()
        conn.settimeout(0.2)
        try:
            conn.connect(("127.0.0.1", port))
        except socket.timeout:
            conn.close()
            return listener, port, fillers
        fillers.append(conn)


class Timeouts(unittest.TestCase):
    def setUp(self):
        self.silent = SilentServer()
        self.addCleanup(self.silent.close)
        self.endpoint = f"http://127.0.0.1:{self.silent.port}"

    def cli(self, *args, timeout=30, **env):
        return harness.run_cli("--endpoint-url", self.endpoint, *args, extra_env=dict(CREDENTIALS, **env),
                               timeout=timeout)

    def test_read_timeout_retries_say_why_and_the_error_counts_them(self):
        started = time.monotonic()
        res = self.cli("--cli-read-timeout", "1", "ls", "s3://b", RAWS3_MAX_ATTEMPTS="3")
        took = time.monotonic() - started
        self.assertEqual(res.rc, 1, res.describe())
        self.assertLess(took, 8, res.describe())
        lines = lines_of(res)
        self.assertEqual(len(lines), 3, res.describe())
        cause = r"receive from 127\.0\.0\.1:\d+: no progress for 1000 ms \(timeout\)"
        for line, attempt in zip(lines, (2, 3)):
            self.assertRegex(line, rf"^s3-cli: warning: GET s3://b\?\S*: {cause}; retrying in \d+ ms "
                                   rf"\(attempt {attempt} of 3\)$")
        match = re.fullmatch(rf"s3-cli: ls s3://b: {cause} \(3 attempts over (\d+\.\d) s\)", lines[2])
        self.assertIsNotNone(match, res.describe())
        self.assertGreaterEqual(float(match.group(1)), 3.0)
        self.assertLessEqual(float(match.group(1)), took + 0.05)  # rounded to tenths
        self.assertEqual(len(self.silent.accepted), 3)

    def test_fractions_of_a_second_and_the_flag_over_the_variable(self):
        res = self.cli("--cli-read-timeout", "0.3", "ls", "s3://b", RAWS3_MAX_ATTEMPTS="1", RAWS3_TIMEOUT_MS="60000")
        self.assertEqual(res.rc, 1, res.describe())
        self.assertEqual(len(lines_of(res)), 1, res.describe())
        self.assertRegex(res.stderr, r"no progress for 300 ms \(timeout\)\n$")

    def test_zero_means_no_timeout(self):
        # The variable alone would end the attempt after 200 ms; 0 from the flag (or the variable) waits on.
        for args, env in ((["--cli-read-timeout", "0"], {"RAWS3_TIMEOUT_MS": "200"}), ([], {"RAWS3_TIMEOUT_MS": "0"})):
            with self.subTest(args=args, env=env):
                proc = harness.start_cli("--endpoint-url", self.endpoint, *args, "ls", "s3://b",
                                         extra_env=dict(CREDENTIALS, RAWS3_MAX_ATTEMPTS="1", **env))
                try:
                    with self.assertRaises(subprocess.TimeoutExpired):
                        proc.wait(timeout=1.5)
                finally:
                    proc.kill()
                    proc.communicate()

    def test_connect_timeout(self):
        listener, port, fillers = full_backlog_listener()
        self.addCleanup(listener.close)
        for conn in fillers:
            self.addCleanup(conn.close)
        started = time.monotonic()
        res = harness.run_cli("--endpoint-url", f"http://127.0.0.1:{port}", "--cli-connect-timeout", "0.5", "ls",
                              "s3://b", extra_env=dict(CREDENTIALS, RAWS3_MAX_ATTEMPTS="2"), timeout=30)
        self.assertEqual(res.rc, 1, res.describe())
        self.assertLess(time.monotonic() - started, 6, res.describe())
        lines = lines_of(res)
        self.assertEqual(len(lines), 2, res.describe())
        cause = rf"connect to 127\.0\.0\.1:{port}: timed out after 500 ms"
        self.assertRegex(lines[0], rf"^s3-cli: warning: GET s3://b\?\S*: {cause}; retrying in \d+ ms \(attempt 2 of 2\)$")
        self.assertRegex(lines[1], rf"^s3-cli: ls s3://b: {cause} \(2 attempts over \d+\.\d s\)$")

    def test_timeout_values_out_of_range_are_usage_errors(self):
        for args in (["--cli-read-timeout", "-1"], ["--cli-read-timeout", "soon"], ["--cli-connect-timeout", "5000000"]):
            with self.subTest(args=args):
                res = self.cli(*args, "ls", "s3://b")
                self.assertEqual(res.rc, 2, res.describe())
                self.assertIn(args[0], res.stderr)
                self.assertEqual(len(self.silent.accepted), 0)
        # The largest value is one.
        res = self.cli("--cli-connect-timeout", "4294967", "--cli-read-timeout", "0.2", "ls", "s3://b",
                       RAWS3_MAX_ATTEMPTS="1")
        self.assertEqual(res.rc, 1, res.describe())
        self.assertRegex(res.stderr, r"no progress for 200 ms \(timeout\)\n$")


class DebugAgainstFaults(fault_server.FaultServerTestCase):
    SIZE = 300_000

    def setUp(self):
        super().setUp()
        self.data = harness.random_bytes(self.SIZE, seed=self.key)
        self.server.put(self.BUCKET, self.key, self.data)
        # Distinct values, so that finding them anywhere in the output means they leaked.
        self.secret = "secret-" + uuid.uuid4().hex
        self.token = "token-" + uuid.uuid4().hex

    def cli(self, *args, **env):
        full = dict(fault_server.ENV, AWS_SECRET_ACCESS_KEY=self.secret, AWS_SESSION_TOKEN=self.token,
                    RAWS3_MAX_ATTEMPTS="4")
        full.update(env)
        return harness.run_cli("--endpoint-url", self.server.url, *args, extra_env=full, timeout=60)

    def get(self, *flags, **env):
        dest = self.tmp / "object.bin"
        res = self.cli(*flags, "get", f"s3://{self.BUCKET}/{self.key}", dest, **env)
        self.assertEqual(res.rc, 0, res.describe())
        self.assertEqual(harness.sha256_file(dest), harness.sha256_bytes(self.data))
        return res

    def assert_no_secret(self, res):
        self.assertNotIn(self.secret, res.stderr)
        self.assertNotIn(self.token, res.stderr)
        self.assertNotIn("AWS4-HMAC-SHA256", res.stderr)
        signatures = [re.search(r"Signature=([0-9a-f]{64})", e["authorization"]).group(1)
                      for e in self.server.log() if e["authorization"]]
        self.assertTrue(signatures)
        for signature in signatures:
            self.assertNotIn(signature, res.stderr)

    def check_retried_get(self, res):
        """A 503 then the object: a line per attempt with the server's request ids, the notice between."""
        gets = [e for e in self.server.log() if e["op"] == "GetObject"]
        self.assertEqual(len(gets), 2)
        lines = lines_of(res)
        self.assertEqual(len(lines), 3, res.describe())
        what = rf"GET s3://{self.BUCKET}/{self.key}"  # the first request, for the whole object
        self.assertRegex(lines[0], rf"^s3-cli: debug: {what}: 503 SlowDown in [\d.]+ ms \(attempt 1 of 4, new "
                                   rf"connection, sent \d+ B, received \d+ B, request id {gets[0]['request_id']}\)$")
        self.assertRegex(lines[1], rf"^s3-cli: warning: {what}: SlowDown \(HTTP 503\): .*; retrying in \d+ ms "
                                   rf"\(attempt 2 of 4\)$")
        match = re.fullmatch(rf"s3-cli: debug: {what}: 20[06] in [\d.]+ ms \(attempt 2 of 4, reused connection, "
                             rf"sent \d+ B, received (\d+) B, request id {gets[1]['request_id']}\)", lines[2])
        self.assertIsNotNone(match, res.describe())
        self.assertGreater(int(match.group(1)), self.SIZE)  # the body and its headers
        self.assert_no_secret(res)

    def test_debug_flag(self):
        self.server.arm("GetObject", "slow_down", key=self.key)
        self.check_retried_get(self.get("--debug"))

    def test_raws3_log_debug(self):
        for value in ("debug", "DEBUG"):
            with self.subTest(value=value):
                self.server.clear_log()
                self.server.arm("GetObject", "slow_down", key=self.key)
                self.check_retried_get(self.get(RAWS3_LOG=value))

    def test_debug_flag_wins_over_the_variable(self):
        self.server.arm("GetObject", "slow_down", key=self.key)
        self.check_retried_get(self.get("--debug", RAWS3_LOG="off"))

    def test_default_shows_the_retry_alone_and_lower_levels_nothing(self):
        self.server.arm("GetObject", "slow_down", key=self.key)
        lines = lines_of(self.get())
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], WARNING)
        self.assertIn("(attempt 2 of 4)", lines[0])
        for level in ("error", "off"):
            with self.subTest(level=level):
                self.server.arm("GetObject", "slow_down", key=self.key)
                self.assertEqual(lines_of(self.get(RAWS3_LOG=level)), [])

    def test_a_log_level_that_does_not_exist(self):
        res = self.cli("ls", f"s3://{self.BUCKET}", RAWS3_LOG="loud")
        self.assertEqual(res.rc, 1, res.describe())
        self.assertEqual(lines_of(res), ["s3-cli: ls: RAWS3_LOG: 'loud' is not a log level (debug, info, warn, error, off)"])

    def test_parts_are_named(self):
        src = self.tmp / "big.bin"
        harness.random_file(src, 6 << 20, seed=1)
        res = self.cli("--debug", "--checksum", "none", "--part-size", "5MiB", "put", src,
                       f"s3://{self.BUCKET}/{self.key}.big")
        self.assertEqual(res.rc, 0, res.describe())
        parts = [line for line in lines_of(res) if "partNumber=" in line]
        self.assertEqual(len(parts), 2, res.describe())
        for n in (1, 2):
            self.assertTrue(any(re.search(rf"^s3-cli: debug: PUT s3://{self.BUCKET}/{self.key}\.big\?partNumber={n}&"
                                          rf"uploadId=\w+: 200 in ", line) for line in parts), res.describe())
        # Sent: the part and its headers.
        sent = sorted(int(re.search(r"sent (\d+) B", line).group(1)) for line in parts)
        self.assertGreater(sent[0], 1 << 20)
        self.assertGreater(sent[1], 5 << 20)
        self.assert_no_secret(res)


class DebugMixin:
    """--debug against a real server: its request ids, its S3 codes, and no secret."""

    def test_request_ids_and_codes(self):
        url = f"s3://{self.bucket}/{self.prefix()}obj"
        src = self.tmp / "src"
        src.write_bytes(b"observed")
        for args, pattern in ((("put", src, url), r"PUT s3://\S+: 200"), (("stat", url), r"HEAD s3://\S+: 200"),
                              (("cat", url + ".missing"), r"GET s3://\S+: 404 NoSuchKey")):
            with self.subTest(args=args):
                res = self.cli("--debug", *args)
                self.assertEqual(res.rc, 1 if args[0] == "cat" else 0, res.describe())
                debug = [line for line in lines_of(res) if DEBUG.match(line)]
                self.assertEqual(len(debug), 1, res.describe())
                self.assertRegex(debug[0], rf"^s3-cli: debug: {pattern} in [\d.]+ ms \(attempt 1 of \d+, "
                                           r"(new|reused) connection, sent \d+ B, received \d+ B, request id \S+[,)]")
                self.assertNotIn(self.env["AWS_SECRET_ACCESS_KEY"], res.stderr)
                self.assertNotIn("Signature=", res.stderr)


harness.server_variants(DebugMixin, ["moto", "rgw", "minio"], globals())

if __name__ == "__main__":
    harness.main()
