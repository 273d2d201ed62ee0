"""The transport under s3-cli: TLS verification and its failures, and 1 GiB round trips over HTTP and HTTPS.

TLS fronts (tests/servers/tls.sh) pass bytes through unchanged, so the servers behind them still verify every
signature. The 1 GiB round trips are the engine's "done when" (class Large*, meson suite 'large').
"""
import os

import harness


class TlsMixin:
    """Verification on by default; a clear one-line failure when it fails; --no-verify-ssl as the way out."""

    def test_round_trip_with_the_test_ca(self):
        data = harness.random_bytes(3 << 20)
        src = self.tmp / "in"
        src.write_bytes(data)
        key = self.prefix() + "/tls object"
        self.assertCliOk(self.cli("put", src, f"s3://{self.bucket}/{key}"))
        self.assertCliOk(self.cli("get", f"s3://{self.bucket}/{key}", self.tmp / "out"))
        self.assertEqual(harness.sha256_file(self.tmp / "out"), harness.sha256_bytes(data))

    def test_unknown_ca_is_refused(self):
        # No --ca-bundle and no AWS_CA_BUNDLE: the system store does not know the test CA.
        res = harness.run_cli("--endpoint-url", self.env["S3_ENDPOINT"], "ls", f"s3://{self.bucket}",
                              env=self.env, extra_env={"AWS_CA_BUNDLE": None})
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("certificate verify failed", res.stderr)
        self.assertEqual(len(res.stderr.strip().splitlines()), 1, res.stderr)

    def test_name_mismatch_is_refused(self):
        wrong = harness.server_env(self.SERVER + "-wrongname")
        res = harness.run_cli(*harness.cli_global_args(wrong), "ls", f"s3://{wrong['S3_BUCKET']}", env=wrong)
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("certificate verify failed", res.stderr)
        self.assertIn("mismatch", res.stderr)
        self.assertEqual(len(res.stderr.strip().splitlines()), 1, "a certificate that failed is not retried")

    def test_no_verify_ssl_warns_and_connects(self):
        wrong = harness.server_env(self.SERVER + "-wrongname")
        res = harness.run_cli("--endpoint-url", wrong["S3_ENDPOINT"], "--no-verify-ssl", "ls",
                              f"s3://{wrong['S3_BUCKET']}", env=wrong, extra_env={"AWS_CA_BUNDLE": None})
        self.assertEqual(res.rc, 0, res.describe())
        self.assertIn("verif", res.stderr.lower())  # the warning names what was turned off


class Tls_s3rver_tls(TlsMixin, harness.ServerTestCase):
    SERVER = "s3rver-tls"


class LargeMixin:
    """1 GiB through s3-cli, put then get, byte-exact."""

    SIZE = 1 << 30

    def test_one_gib_round_trip(self):
        src = self.tmp / "big.in"
        harness.random_file(src, self.SIZE)
        want = harness.sha256_file(src)
        key = self.prefix() + "big"
        self.assertCliOk(self.cli("put", src, f"s3://{self.bucket}/{key}", timeout=900))
        os.unlink(src)  # keep at most one copy on disk at a time
        self.assertCliOk(self.cli("get", f"s3://{self.bucket}/{key}", self.tmp / "big.out", timeout=900))
        self.assertEqual(harness.sha256_file(self.tmp / "big.out"), want)


harness.server_variants(LargeMixin, ["s3rver", "s3rver-tls", "rgw", "rgw-tls", "minio-tls"], globals())

if __name__ == "__main__":
    harness.main()
