"""s3-cli's failures: exit 2 for usage errors, exit 1 with exactly one line on stderr for everything else,
and never a crash."""
import os
import re
import socket
import subprocess
import tempfile
import unittest
import uuid

import harness

# What every variable that could lend the CLI credentials or a profile is, for the tests that take them away.
AWS_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL",
                 "AWS_ENDPOINT_URL_S3")


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ErrorsCommon:
    """Checks shared by the server-specific classes below."""

    def assert_one_line(self, rc, err, expected_rc, pattern):
        self.assertEqual(rc, expected_rc, err)
        lines = [line for line in err.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, err)
        self.assertRegex(lines[0], r"^s3-cli: ")
        self.assertRegex(lines[0], pattern)


class OfflineErrors(ErrorsCommon, unittest.TestCase):
    """Failures found before any server is asked: no server needed."""

    def run_offline(self, *args, **kw):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y", RAWS3_MAX_ATTEMPTS="1")
        return harness.run_cli("--endpoint-url", f"http://127.0.0.1:{closed_port()}", *args, env=env,
                               timeout=30, **kw)

    def test_malformed_urls_are_usage_errors(self):
        for url in ("s3://", "s3:///key", "s3://Bad_Bucket!/k", "s3:/bucket/key", "http://host/x"):
            with self.subTest(url=url):
                rc, out, err = self.run_offline("get", url, "-")
                self.assert_one_line(rc, err, 2, r"invalid location|not an S3 location")
                self.assertEqual(out, b"")

    def test_wrong_kind_of_location_is_a_usage_error(self):
        cases = [("stat", "s3://bucket"), ("rm", "s3://bucket"), ("mb", "s3://bucket/key"),
                 ("get", "s3://bucket/k", "s3://bucket/k2"), ("put", "s3://a/b", "s3://a/c"),
                 ("ls", "/local/path"), ("cp", "-", "-")]
        for args in cases:
            with self.subTest(args=args):
                rc, _, err = self.run_offline(*args)
                self.assert_one_line(rc, err, 2, re.escape(args[0]))

    def test_unknown_option_and_bad_flag_values(self):
        for args in (["--bogus", "ls"], ["ls", "--bogus"], ["presign", "--expires", "0", "s3://b/k"],
                     ["presign", "--expires", "604801", "s3://b/k"], ["--part-size", "lots", "ls"],
                     ["--addressing", "sideways", "ls"], [], ["frobnicate"], ["get", "s3://b/k"],
                     ["ls", "s3://b", "s3://c"]):
            with self.subTest(args=args):
                rc, out, err = self.run_offline(*args)
                self.assertEqual(rc, 2, err)
                self.assertTrue(err.strip(), "a usage error says why")
                self.assertEqual(out, b"")

    def test_help_and_version_exit_zero(self):
        for args in (["--help"], ["cp", "--help"], ["--version"]):
            with self.subTest(args=args):
                rc, out, _ = self.run_offline(*args)
                self.assertEqual(rc, 0)
                self.assertTrue(out.strip())

    def test_presign_needs_no_server(self):
        rc, out, err = self.run_offline("presign", "s3://bucket/some key")
        self.assertEqual(rc, 0, err)
        self.assertIn(b"X-Amz-Expires=3600", out)

    def test_unreachable_endpoint(self):
        rc, out, err = self.run_offline("ls", "s3://bucket/")
        self.assert_one_line(rc, err, 1, r"^s3-cli: ls s3://bucket/: ")
        self.assertEqual(out, b"")

    def test_missing_local_file(self):
        missing = os.path.join(tempfile.gettempdir(), f"no-such-file-{uuid.uuid4().hex}")
        rc, _, err = self.run_offline("put", missing, "s3://bucket/key")
        self.assert_one_line(rc, err, 1, r"No such file or directory")
        rc, _, err = self.run_offline("cp", "--recursive", missing, "s3://bucket/prefix/")
        self.assert_one_line(rc, err, 1, r"No such file or directory")

    def test_local_copy_needs_no_credentials(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "a")
            harness.random_file(src, 1000)
            env = {k: v for k, v in os.environ.items() if k not in AWS_VARIABLES}
            rc, _, err = harness.run_cli("cp", src, os.path.join(tmp, "b"), env=dict(env, HOME=tmp), timeout=30)
            self.assertEqual(rc, 0, err)
            self.assertEqual(harness.sha256_file(src), harness.sha256_file(os.path.join(tmp, "b")))


class ServerErrors(ErrorsCommon):
    """Failures the server reports. A subclass names the server."""

    SERVER = None

    @classmethod
    def setUpClass(cls):
        cls.env = harness.server_env(cls.SERVER)
        cls.bucket = cls.env["S3_BUCKET"]

    def cli(self, *args, env=None, stdin=None):
        return harness.run_cli("--endpoint-url", self.env["S3_ENDPOINT"], *args, env=env or self.env,
                               stdin=stdin, timeout=30)

    def test_missing_bucket(self):
        url = f"s3://no-such-bucket-{uuid.uuid4().hex[:10]}/"
        rc, _, err = self.cli("ls", url)
        self.assert_one_line(rc, err, 1, rf"^s3-cli: ls {re.escape(url)}: NoSuchBucket \(HTTP 404\)")

    def test_missing_key(self):
        url = f"s3://{self.bucket}/no-such-key-{uuid.uuid4().hex}"
        for args in (("get", url, "-"), ("cat", url)):
            with self.subTest(args=args):
                rc, out, err = self.cli(*args)
                self.assert_one_line(rc, err, 1, rf"^s3-cli: {args[0]} {re.escape(url)}: NoSuchKey \(HTTP 404\)")
                self.assertEqual(out, b"")
        with tempfile.TemporaryDirectory() as tmp:
            dest = os.path.join(tmp, "out")
            rc, _, err = self.cli("get", url, dest)
            self.assert_one_line(rc, err, 1, r"NoSuchKey \(HTTP 404\)")
            self.assertFalse(os.path.exists(dest), "a failed get leaves no file")
        # HEAD answers carry no body: the code comes from the status alone.
        rc, _, err = self.cli("stat", url)
        self.assert_one_line(rc, err, 1, r"\(HTTP 404\)")

    def test_wrong_credentials(self):
        for change in ({"AWS_SECRET_ACCESS_KEY": "wrong-secret"}, {"AWS_ACCESS_KEY_ID": "AKIAWRONGWRONGWRONG"}):
            with self.subTest(change=change):
                rc, _, err = self.cli("ls", f"s3://{self.bucket}/", env=dict(self.env, **change))
                self.assert_one_line(rc, err, 1, r"(SignatureDoesNotMatch|InvalidAccessKeyId) \(HTTP 403\)")

    def test_missing_credentials(self):
        with tempfile.TemporaryDirectory() as home:
            env = {k: v for k, v in self.env.items() if k not in AWS_VARIABLES}
            env["HOME"] = home
            rc, _, err = self.cli("ls", f"s3://{self.bucket}/", env=env)
            self.assert_one_line(rc, err, 1, r"(?i)credential")

    def test_reader_going_away_is_not_a_crash(self):
        key = f"big-{uuid.uuid4().hex}"
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "src")
            harness.random_file(src, 4 * 1024 * 1024)
            rc, _, err = self.cli("put", src, f"s3://{self.bucket}/{key}")
            self.assertEqual(rc, 0, err)
        try:
            cmd = [harness.CLI, "--endpoint-url", self.env["S3_ENDPOINT"], "cat", f"s3://{self.bucket}/{key}"]
            with subprocess.Popen(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
                proc.stdout.read(1000)
                proc.stdout.close()
                _, err = proc.communicate(timeout=30)
            self.assertIn(proc.returncode, (0, 1), err)  # not killed by a signal
            self.assertLessEqual(len(err.decode().splitlines()), 1, err)
        finally:
            self.cli("rm", f"s3://{self.bucket}/{key}")


class S3rverErrors(ServerErrors, unittest.TestCase):
    SERVER = "s3rver"


class MotoErrors(ServerErrors, unittest.TestCase):
    SERVER = "moto"


if __name__ == "__main__":
    unittest.main()
