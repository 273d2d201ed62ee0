#!/usr/bin/env python3
"""Self-tests of the integration harness and of the test servers themselves, with boto3 and
curl only (no s3-cli): env files load, each server stores and returns bytes over HTTP and, via
the test CA, HTTPS; it checks SigV4 (a wrong secret is refused); presigned URLs made by boto3
fetch with curl and a tampered one is refused; the wrong-name TLS front fails verification for
the name only; the offline presigned-URL checker agrees with botocore.

If these fail, fix the servers or the harness before reading anything into s3-cli's failures.
"""
import datetime
import os
import ssl
import socket
import sys
import unittest
import urllib.parse
from unittest import mock

import harness
from harness import MiB


def boto3_presign(env, bucket, key, expires=3600, endpoint=None, secret=None):
    """A presigned GET URL made by botocore (the reference signer)."""
    if endpoint:
        env = dict(env, S3_ENDPOINT=endpoint)
    return harness.boto3_client(env, secret=secret).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)


FAKE = {"S3_ENDPOINT": "http://127.0.0.1:1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "AWS_DEFAULT_REGION": "us-east-1", "S3_BUCKET": "bucket"}
ODD_KEYS = ["plain.txt", "dir/sub dir/sp ace.bin", "plus+and=eq&amp", "tilde~-_.", "uni-ü€😀",
            "semi;colon,comma", "percent%20literal", "a//double/slash", "q?mark#hash", "star*(paren)"]


class Offline(unittest.TestCase):
    """No server needed."""

    def test_load_env_file(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".env", delete=False) as f:
            f.write("# comment\nexport S3_ENDPOINT='http://127.0.0.1:4580'\n"
                    "export AWS_SECRET_ACCESS_KEY='a/b+c='\nPLAIN=value\n\n")
            p = f.name
        self.addCleanup(os.unlink, p)
        self.assertEqual(harness.load_env_file(p), {
            "S3_ENDPOINT": "http://127.0.0.1:4580", "AWS_SECRET_ACCESS_KEY": "a/b+c=", "PLAIN": "value"})

    def test_presigned_checker_agrees_with_botocore(self):
        for ep in ("http://127.0.0.1:1", "https://127.0.0.1:4443", "http://localhost"):
            client = harness.boto3_client(dict(FAKE, S3_ENDPOINT=ep))   # one per endpoint: ~0.3 s each
            for key in ODD_KEYS:
                with self.subTest(ep=ep, key=key):
                    url = client.generate_presigned_url("get_object", Params={"Bucket": "bucket", "Key": key},
                                                        ExpiresIn=900)
                    q = harness.check_presigned_url(url, FAKE["AWS_ACCESS_KEY_ID"],
                                                    FAKE["AWS_SECRET_ACCESS_KEY"], "us-east-1")
                    self.assertEqual(q["X-Amz-Expires"], "900")

    def test_presigned_checker_catches_tampering(self):
        url = boto3_presign(FAKE, "bucket", "k", 60)
        sig = url[-64:]
        bad = url[:-64] + ("0" if sig[0] != "0" else "1") + sig[1:]
        cases = {
            "signature": bad,
            "expires": url.replace("X-Amz-Expires=60", "X-Amz-Expires=61"),
            "key": url.replace("/bucket/k?", "/bucket/j?"),
            "port": url.replace("127.0.0.1:1/", "127.0.0.1:2/"),
        }
        for what, u in cases.items():
            with self.subTest(what):
                with self.assertRaises(AssertionError):
                    harness.check_presigned_url(u, FAKE["AWS_ACCESS_KEY_ID"], FAKE["AWS_SECRET_ACCESS_KEY"])
        with self.assertRaises(AssertionError):   # wrong secret
            harness.check_presigned_url(url, FAKE["AWS_ACCESS_KEY_ID"], "x")
        with self.assertRaises(AssertionError):   # not canonical: '~' must stay, space must be %20
            harness.check_presigned_url(url.replace("/bucket/k?", "/bucket/k%7E?"),
                                        FAKE["AWS_ACCESS_KEY_ID"], FAKE["AWS_SECRET_ACCESS_KEY"])

    def test_presigned_checker_old_date(self):
        url = boto3_presign(FAKE, "bucket", "k", 60)
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)
        with self.assertRaises(AssertionError):
            harness.check_presigned_url(url, FAKE["AWS_ACCESS_KEY_ID"], FAKE["AWS_SECRET_ACCESS_KEY"], now=later)

    def test_cli_env_scrubs_the_machine_aws_settings(self):
        machine = {"AWS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt", "AWS_PROFILE": "nope",
                   "AWS_ENDPOINT_URL": "http://x", "RAWS3_THREADS": "3"}
        with mock.patch.dict(os.environ, machine):
            e = harness.cli_env(FAKE, extra_env={"RAWS3_THREADS": None})
            self.assertNotIn("AWS_CA_BUNDLE", e)
            self.assertNotIn("AWS_PROFILE", e)
            self.assertNotIn("AWS_ENDPOINT_URL", e)
            self.assertNotIn("RAWS3_THREADS", e)
            self.assertEqual(e["AWS_ACCESS_KEY_ID"], "AKIDEXAMPLE")
            self.assertEqual(e["AWS_DEFAULT_REGION"], "us-east-1")
            # A test's own CA bundle is kept, from env or extra_env...
            self.assertEqual(harness.cli_env(dict(FAKE, AWS_CA_BUNDLE="/t/ca.crt"))["AWS_CA_BUNDLE"], "/t/ca.crt")
            self.assertEqual(harness.cli_env(FAKE, {"AWS_CA_BUNDLE": "/t/ca.crt"})["AWS_CA_BUNDLE"], "/t/ca.crt")
            # ...the machine's is not, even when a test passes a copy of the whole environment.
            whole = dict(os.environ, AWS_ACCESS_KEY_ID="x")
            e = harness.cli_env(whole)
            self.assertNotIn("AWS_CA_BUNDLE", e)
            self.assertEqual(e["AWS_PROFILE"], "nope")   # the test passed it: kept
            self.assertEqual(e["AWS_ACCESS_KEY_ID"], "x")

    def test_boto3_client_ignores_machine_profile_and_ca(self):
        with mock.patch.dict(os.environ, {"AWS_PROFILE": "no-such-profile", "AWS_CA_BUNDLE": "/nonexistent"}):
            c = harness.boto3_client(dict(FAKE, S3_ENDPOINT="https://127.0.0.1:1", S3_CA_BUNDLE=__file__))
            self.assertEqual(c.meta.region_name, "us-east-1")

    def test_run_cli_plumbing(self):
        """run_cli with python standing in for s3-cli: argv, env, stdin, rc, timeout."""
        script = ("import os, sys; d = sys.stdin.buffer.read(); sys.stdout.buffer.write(d[::-1]); "
                  "print(' '.join(sys.argv[1:]), os.environ.get('AWS_ACCESS_KEY_ID'), "
                  "'CA' if 'AWS_CA_BUNDLE' in os.environ else 'noCA', file=sys.stderr); sys.exit(3)")
        with mock.patch.object(harness, "cli_path", return_value=sys.executable), \
                mock.patch.dict(os.environ, {"AWS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"}):
            rc, out, err = harness.run_cli("-c", script, "a b", env=FAKE, stdin=b"\x00abc")
            self.assertEqual((rc, out), (3, b"cba\x00"))
            self.assertEqual(err.strip(), "a b AKIDEXAMPLE noCA")
            r = harness.run_cli("-c", "print(1)")
            self.assertEqual(r, (0, b"1\n", ""))
            self.assertEqual(r.argv[-1], "print(1)")
            with self.assertRaisesRegex(AssertionError, "timed out"):
                harness.run_cli("-c", "import time; time.sleep(30)", timeout=0.5)

    def test_global_args(self):
        self.assertEqual(harness.cli_global_args(dict(FAKE, S3_CA_BUNDLE="/x/ca.crt")),
                         ["--endpoint-url", "http://127.0.0.1:1", "--region", "us-east-1",
                          "--ca-bundle", "/x/ca.crt"])

    def test_random_file_and_sha(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "f")
            h = harness.random_file(p, 3 * MiB + 5, seed=7)
            self.assertEqual(os.path.getsize(p), 3 * MiB + 5)
            self.assertEqual(harness.sha256_file(p), h)
            with open(p, "rb") as f:
                self.assertEqual(harness.random_bytes(3 * MiB + 5, seed=7)[:10], f.read(10))


class ServerSelfTest:
    """Runs against each server (see server_variants at the bottom)."""

    def test_env(self):
        for k in harness.ENV_KEYS:
            self.assertTrue(self.env.get(k), k)
        self.assertEqual(self.env["S3_ENDPOINT"].startswith("https://"), "S3_CA_BUNDLE" in self.env)

    def test_put_get_small_and_multipart_size(self):
        p = self.prefix()
        for size in (0, 1, 6 * MiB + 3):
            with self.subTest(size=size):
                data = harness.random_bytes(size)
                self.s3.put_object(Bucket=self.bucket, Key=f"{p}o{size}", Body=data)
                got = self.s3.get_object(Bucket=self.bucket, Key=f"{p}o{size}")["Body"].read()
                self.assertEqual(harness.sha256_bytes(got), harness.sha256_bytes(data))

    def test_wrong_secret_refused(self):
        bad = harness.boto3_client(self.env, secret=self.env["AWS_SECRET_ACCESS_KEY"] + "x")
        with self.assertRaises(bad.exceptions.ClientError) as cm:
            bad.head_object(Bucket=self.bucket, Key="nothing-here")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_presigned_get_with_curl(self):
        if self.SERVER.startswith("moto"):
            self.skipTest("moto with signature checks on answers 500 to every presigned GET "
                          "(KeyError on the Authorization header) -- a moto bug")
        key = self.prefix() + "dir/sp ace+plus~é.bin"
        data = harness.random_bytes(2 * MiB + 7)
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        url = boto3_presign(self.env, self.bucket, key, 3600)
        harness.check_presigned_url(url, self.env["AWS_ACCESS_KEY_ID"], self.env["AWS_SECRET_ACCESS_KEY"])
        out = self.tmp / "got"
        r = harness.curl("-f", "-o", out, url, ca=self.env.get("S3_CA_BUNDLE"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(harness.sha256_file(out), harness.sha256_bytes(data))
        sig = url[-64:]
        bad = url[:-64] + ("0" if sig[0] != "0" else "1") + sig[1:]
        self.assertEqual(harness.http_status(bad, ca=self.env.get("S3_CA_BUNDLE")), 403)
        wrong = boto3_presign(self.env, self.bucket, key, 3600, secret="not-the-secret")
        self.assertEqual(harness.http_status(wrong, ca=self.env.get("S3_CA_BUNDLE")), 403)


harness.server_variants(ServerSelfTest, ["s3rver", "moto", "rgw", "s3rver-tls", "moto-tls", "rgw-tls",
                                         "minio", "minio-ec", "minio-tls"],
                        globals())


class WrongNameTls(unittest.TestCase):
    """The s3rver-tls-wrongname front: signed by the test CA, but for DNS:wrong.example only."""

    def test_name_mismatch_is_the_only_fault(self):
        env = harness.server_env("s3rver-tls-wrongname")
        u = urllib.parse.urlsplit(env["S3_ENDPOINT"])
        ctx = harness.ssl_context(env)
        with self.assertRaises(ssl.SSLCertVerificationError) as cm:
            with socket.create_connection((u.hostname, u.port), timeout=5) as s:
                ctx.wrap_socket(s, server_hostname=u.hostname)
        self.assertIn("mismatch", str(cm.exception).lower())
        with socket.create_connection((u.hostname, u.port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname="wrong.example") as t:
                self.assertEqual(t.getpeercert()["subjectAltName"], (("DNS", "wrong.example"),))
        r = harness.curl("-o", os.devnull, env["S3_ENDPOINT"] + "/", ca=env["S3_CA_BUNDLE"])
        self.assertEqual(r.returncode, 60, r.stderr)   # CURLE_PEER_FAILED_VERIFICATION

    def test_good_front_verifies_by_ip_and_localhost(self):
        env = harness.server_env("s3rver-tls")
        u = urllib.parse.urlsplit(env["S3_ENDPOINT"])
        ctx = harness.ssl_context(env)
        for name in ("127.0.0.1", "localhost"):
            with socket.create_connection((u.hostname, u.port), timeout=5) as s:
                with ctx.wrap_socket(s, server_hostname=name):
                    pass
        # ...and is NOT trusted without the test CA (the system bundle does not know it).
        with self.assertRaises(ssl.SSLCertVerificationError):
            with socket.create_connection((u.hostname, u.port), timeout=5) as s:
                ssl.create_default_context().wrap_socket(s, server_hostname=u.hostname)


if __name__ == "__main__":
    harness.main()
