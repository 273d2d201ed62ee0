"""s3-cli's failures: exit 2 for usage errors; exit 1 with exactly one line on stderr, naming the S3 code and
HTTP status when the server refused, for everything else; never a crash."""
import os
import re
import signal
import subprocess
import tempfile
import unittest
import uuid

import harness
from harness import MiB


class OneLineErrors:
    def assert_one_line(self, res, rc, pattern):
        self.assertEqual(res.rc, rc, res.describe())
        lines = [line for line in res.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, res.describe())
        self.assertRegex(lines[0], r"^s3-cli: ")
        self.assertRegex(lines[0], pattern)


class CliErrorsOffline(OneLineErrors, unittest.TestCase):
    """Failures found before any server could answer: an endpoint on a closed port, dummy credentials."""

    def run_offline(self, *args, **kw):
        return harness.run_cli("--endpoint-url", f"http://127.0.0.1:{harness.closed_port()}", *args,
                               extra_env={"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
                                          "RAWS3_MAX_ATTEMPTS": "1"},
                               timeout=30, **kw)

    def test_malformed_urls_are_usage_errors(self):
        for url in ("s3://", "s3:///key", "s3://Bad_Bucket!/k", "s3:/bucket/key", "http://host/x"):
            with self.subTest(url=url):
                res = self.run_offline("get", url, "-")
                self.assert_one_line(res, 2, r"invalid location|not an S3 location")
                self.assertEqual(res.stdout, b"")

    def test_wrong_kind_of_location_is_a_usage_error(self):
        for args in (("stat", "s3://bucket"), ("rm", "s3://bucket"), ("mb", "s3://bucket/key"),
                     ("get", "s3://bucket/k", "s3://bucket/k2"), ("put", "s3://a/b", "s3://a/c"),
                     ("ls", "/local/path"), ("cp", "-", "-"), ("cp", "-r", "-", "s3://bucket/p/")):
            with self.subTest(args=args):
                self.assert_one_line(self.run_offline(*args), 2, rf"^s3-cli: {args[0]}\b")

    def test_unknown_options_and_bad_flag_values(self):
        for args in (["--bogus", "ls"], ["ls", "--bogus"], ["presign", "--expires", "0", "s3://b/k"],
                     ["presign", "--expires", "604801", "s3://b/k"], ["--part-size", "lots", "ls"],
                     ["--addressing", "sideways", "ls"], ["--threads", "-1", "ls"], ["--page-size", "0", "ls"],
                     [], ["frobnicate"], ["get", "s3://b/k"], ["ls", "s3://b", "s3://c"],
                     ["put", "-", "s3://b/k", "--metadata", "no-equals-sign"],
                     ["put", "-", "s3://b/k", "--metadata", "=value"],
                     ["cp", "s3://b/k", "/tmp/x", "--content-type", "text/plain"],
                     ["cp", "s3://b/k", "s3://b/k2", "--metadata", "a=1"]):
            with self.subTest(args=args):
                res = self.run_offline(*args)
                self.assertEqual(res.rc, 2, res.describe())
                self.assertTrue(res.stderr.strip(), "a usage error says why")
                self.assertEqual(res.stdout, b"")

    def test_usage_errors_read_plainly(self):
        unknown = self.run_offline("frobnicate", "s3://b")
        self.assertEqual(unknown.rc, 2, unknown.describe())
        self.assertRegex(unknown.stderr, r"^s3-cli: unknown command 'frobnicate' \(commands: ls, du, mb, rb, ")
        for args, said in ((["--inflight", "0", "ls"], "not in range 1 to 4096"),
                           (["--cli-read-timeout", "-1", "ls"], "not in range 0 to 4294967\n"),
                           (["--threads", "100000", "ls"], f"not in range 0 to {16 * os.cpu_count()}\n")):
            with self.subTest(args=args):
                res = self.run_offline(*args)
                self.assertEqual(res.rc, 2, res.describe())
                self.assertIn(said, res.stderr)

    def test_help_and_version_exit_zero(self):
        for args in (["--help"], ["cp", "--help"], ["--version"]):
            with self.subTest(args=args):
                res = self.run_offline(*args)
                self.assertEqual(res.rc, 0, res.describe())
                self.assertTrue(res.stdout.strip())

    def test_unreachable_endpoint(self):
        res = self.run_offline("ls", "--recursive", "s3://bucket/")
        self.assert_one_line(res, 1, r"^s3-cli: ls s3://bucket/: ")
        self.assertEqual(res.stdout, b"")

    def test_missing_local_file(self):
        missing = f"/nonexistent-{uuid.uuid4().hex}/file"
        self.assert_one_line(self.run_offline("put", missing, "s3://bucket/key"), 1, r"No such file or directory")
        self.assert_one_line(self.run_offline("cp", "-r", missing, "s3://bucket/p/"), 1, r"No such file or directory")
        self.assert_one_line(self.run_offline("cp", missing, "/tmp/x"), 1, r"No such file or directory")

    def test_no_verify_ssl_warns(self):
        res = self.run_offline("--no-verify-ssl", "presign", "s3://bucket/key")
        self.assertEqual(res.rc, 0, res.describe())
        self.assertIn("warning", res.stderr)

    def test_local_copy_needs_no_credentials(self):
        with tempfile.TemporaryDirectory(prefix="raws3-it-") as tmp:
            src = os.path.join(tmp, "a")
            harness.random_file(src, 1000)
            res = harness.run_cli("cp", src, src + ".copy", extra_env={"HOME": tmp}, timeout=30)
            self.assertEqual(res.rc, 0, res.describe())
            self.assertEqual(harness.sha256_file(src), harness.sha256_file(src + ".copy"))


class CliErrorsMixin(OneLineErrors):
    """What the server refuses. Run per server (bottom of the file)."""

    def test_missing_bucket(self):
        # Recursive, at the root: moto refuses the delimiter "/" of a one-level listing (SignatureDoesNotMatch).
        url = "s3://" + harness.unique_name("raws3-it-missing")
        self.assert_one_line(self.cli("ls", "--recursive", url), 1,
                             rf"^s3-cli: ls {re.escape(url)}: NoSuchBucket \(HTTP 404\)")

    def test_missing_key(self):
        url = f"s3://{self.bucket}/{self.prefix()}no-such-key"
        for args in (("get", url, "-"), ("cat", url)):
            with self.subTest(args=args):
                res = self.cli(*args)
                self.assert_one_line(res, 1, rf"^s3-cli: {args[0]} {re.escape(url)}: NoSuchKey \(HTTP 404\)")
                self.assertEqual(res.stdout, b"")
        dest = self.tmp / "out"
        self.assert_one_line(self.cli("get", url, dest), 1, r"NoSuchKey \(HTTP 404\)")
        self.assertFalse(dest.exists(), "a failed get leaves no file")
        # A HEAD answer has no body: the code comes from the status alone.
        self.assert_one_line(self.cli("stat", url), 1, rf"^s3-cli: stat {re.escape(url)}: \w+ \(HTTP 404\)")

    def test_wrong_credentials(self):
        for change in ({"AWS_SECRET_ACCESS_KEY": "wrong-secret"}, {"AWS_ACCESS_KEY_ID": "AKIAWRONGWRONGWRONG1"}):
            with self.subTest(change=change):
                res = self.cli("ls", "--recursive", f"s3://{self.bucket}", extra_env=change)
                self.assert_one_line(res, 1, r"(SignatureDoesNotMatch|InvalidAccessKeyId) \(HTTP 403\)")

    def test_missing_credentials(self):
        gone = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None,
                "AWS_CONFIG_FILE": None, "AWS_SHARED_CREDENTIALS_FILE": None, "HOME": str(self.tmp)}
        res = self.cli("ls", "--recursive", f"s3://{self.bucket}", extra_env=gone)
        self.assert_one_line(res, 1, r"(?i)credential")

    def test_reader_going_away_is_not_a_crash(self):
        key = self.prefix() + "big"
        src = self.tmp / "src"
        harness.random_file(src, 4 * MiB)
        self.assertCliOk(self.cli("put", src, f"s3://{self.bucket}/{key}"))
        argv = [harness.cli_path(), *harness.cli_global_args(self.env), "cat", f"s3://{self.bucket}/{key}"]
        with subprocess.Popen(argv, env=harness.cli_env(self.env), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) as proc:
            proc.stdout.read(1000)
            proc.stdout.close()
            _, err = proc.communicate(timeout=30)
        # As any writer in a pipeline: SIGPIPE's status, and nothing on stderr.
        self.assertEqual(proc.returncode, -signal.SIGPIPE, err)
        self.assertEqual(err, b"")

    def test_results_to_a_closed_stdout_end_quietly(self):
        tree = self.tmp / "tree"
        tree.mkdir()
        for i in range(300):
            (tree / f"f{i:03}").write_bytes(b"x" * i)
        prefix = self.prefix()
        argv = [harness.cli_path(), *harness.cli_global_args(self.env), "--concurrency", "4", "cp", "-r", str(tree),
                f"s3://{self.bucket}/{prefix}"]
        with subprocess.Popen(argv, env=harness.cli_env(self.env), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) as proc:
            proc.stdout.readline()
            proc.stdout.close()
            _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, -signal.SIGPIPE, err)
        self.assertEqual(err, b"", "one line per file that could not be reported")
        # What was uploaded before the command stopped is whole.
        for key in harness.list_keys(self.s3, self.bucket, prefix):
            size = int(key.rsplit("f", 1)[1])
            self.assertEqual(self.s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"], size, key)


class CliErrors_s3rver(CliErrorsMixin, harness.ServerTestCase):
    SERVER = "s3rver"


class CliErrors_moto(CliErrorsMixin, harness.ServerTestCase):
    SERVER = "moto"


class CliErrors_minio(CliErrorsMixin, harness.ServerTestCase):
    SERVER = "minio"


if __name__ == "__main__":
    harness.main()
