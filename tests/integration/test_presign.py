#!/usr/bin/env python3
"""`s3-cli presign`: the foundation issue's "done when".

  s3-cli [--endpoint-url URL] [--region R] [--ca-bundle F] presign s3://BUCKET/KEY [--expires S]
  -> exit 0, the URL (and nothing else) on stdout.

Against s3rver (and rgw, and both behind the TLS front): an object put with boto3 is fetched
with `curl -sf` from the URL s3-cli prints, and its SHA-256 matches; the same URL with its
signature changed is refused with 403. Offline: presign makes no network request (an endpoint on
a closed port, or no network at all, still gives a URL and exit 0), and the URL's signature is
checked here against the secret. moto is left out: with signature checks on it answers 500 to
every presigned GET (a moto bug).
"""
import shutil
import subprocess
import time
import unittest
import urllib.parse

import harness
from harness import MiB

ODD_KEY = "dir/sub dir/sp ace+plus=eq&amp~tilde-ü€😀;semi,comma%25pct*star(paren)'q'.bin"


def flip_signature(url):
    """The same URL with the last hex digit of X-Amz-Signature changed."""
    u = urllib.parse.urlsplit(url)
    parts = u.query.split("&")
    for i, p in enumerate(parts):
        if p.startswith("X-Amz-Signature="):
            sig = p[len("X-Amz-Signature="):]
            parts[i] = "X-Amz-Signature=" + sig[:-1] + ("0" if sig[-1] != "0" else "1")
            break
    else:
        raise AssertionError(f"no X-Amz-Signature in {url}")
    return urllib.parse.urlunsplit(u._replace(query="&".join(parts)))


class PresignMixin:
    """Run per server by server_variants (bottom of the file)."""

    def presign(self, key, *extra, expires="3600"):
        args = ["presign", f"s3://{self.bucket}/{key}"]
        if expires is not None:
            args += ["--expires", expires]
        r = self.cli(*args, *extra, timeout=30)
        self.assertCliOk(r)
        out = r.stdout.decode()
        self.assertTrue(out.endswith("\n") and out.count("\n") == 1,
                        f"stdout must be exactly one line (the URL): {r.stdout!r}")
        url = out.strip()
        self.assertTrue(url.startswith(self.env["S3_ENDPOINT"] + "/"),
                        f"URL {url} is not under the endpoint {self.env['S3_ENDPOINT']}")
        harness.check_presigned_url(url, self.env["AWS_ACCESS_KEY_ID"], self.env["AWS_SECRET_ACCESS_KEY"],
                                    self.env["AWS_DEFAULT_REGION"])
        return url

    def fetch(self, url):
        """curl -sf the URL into a file; return the file's SHA-256."""
        out = self.tmp / "fetched"
        r = harness.curl("-f", "-o", out, url, ca=self.env.get("S3_CA_BUNDLE"))
        self.assertEqual(r.returncode, 0, f"curl -sf {url} failed: {r.stderr.decode(errors='replace')}")
        return harness.sha256_file(out)

    def put_random(self, key, size):
        src = self.tmp / "src"
        sha = harness.random_file(src, size)
        self.s3.upload_file(str(src), self.bucket, key)
        return sha

    def test_presigned_url_fetches_the_object(self):
        key = self.prefix() + "object.bin"
        sha = self.put_random(key, 3 * MiB + 17)
        url = self.presign(key, expires="3600")
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertEqual(q["X-Amz-Expires"], "3600")
        self.assertEqual(self.fetch(url), sha)

    def test_tampered_signature_is_refused(self):
        key = self.prefix() + "object.bin"
        self.put_random(key, 1000)
        url = self.presign(key)
        ca = self.env.get("S3_CA_BUNDLE")
        self.assertEqual(harness.http_status(url, ca=ca), 200)
        self.assertEqual(harness.http_status(flip_signature(url), ca=ca), 403)
        # A signed part of the URL changed: the signature no longer matches either.
        longer = url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200")
        self.assertNotEqual(longer, url)
        self.assertEqual(harness.http_status(longer, ca=ca), 403)

    def test_key_that_needs_encoding(self):
        key = self.prefix() + ODD_KEY
        sha = self.put_random(key, 4096)
        url = self.presign(key)
        self.assertEqual(self.fetch(url), sha)

    def test_default_expiry(self):
        key = self.prefix() + "object.bin"
        sha = self.put_random(key, 10)
        url = self.presign(key, expires=None)
        self.assertEqual(self.fetch(url), sha)

    def test_missing_object_is_404_not_403(self):
        # A correct signature for a key that does not exist: the server says 404 (NoSuchKey).
        url = self.presign(self.prefix() + "absent")
        self.assertEqual(harness.http_status(url, ca=self.env.get("S3_CA_BUNDLE")), 404)


harness.server_variants(PresignMixin, ["s3rver", "rgw", "s3rver-tls", "rgw-tls", "minio", "minio-tls"], globals())


class PresignOffline(unittest.TestCase):
    """presign signs locally: no server, no network."""
    ENV = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
           "AWS_DEFAULT_REGION": "eu-west-3", "S3_BUCKET": "bucket"}

    def run_presign(self, endpoint, key="some/key.txt", timeout=10, wrapper=()):
        env = dict(self.ENV, S3_ENDPOINT=endpoint)
        argv = ["presign", f"s3://bucket/{key}", "--expires", "600"]
        if wrapper:
            # Run under a wrapper (e.g. `unshare -rn`): call the binary ourselves.
            p = subprocess.run([*wrapper, harness.cli_path(), *harness.cli_global_args(env), *argv],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                               env=harness.cli_env(env))
            r = harness.CliResult(p.returncode, p.stdout, p.stderr.decode(errors="replace"))
            r.argv = p.args
        else:
            r = harness.run_cli(*argv, env=env, timeout=timeout, global_args=True)
        if r.rc != 0:
            self.fail("presign failed:\n" + r.describe())
        url = r.stdout.decode().strip()
        self.assertEqual(r.stdout.decode().count("\n"), 1, r.stdout)
        # Path style (an IP endpoint must use it), or virtual-host style for a DNS name.
        u = urllib.parse.urlsplit(endpoint)
        styles = (f"{endpoint}/bucket/", f"{u.scheme}://bucket.{u.netloc}/")
        self.assertTrue(url.startswith(styles if not u.hostname[0].isdigit() else styles[:1]),
                        f"{url} is not under {endpoint}")
        q = harness.check_presigned_url(url, self.ENV["AWS_ACCESS_KEY_ID"], self.ENV["AWS_SECRET_ACCESS_KEY"],
                                        "eu-west-3")
        self.assertEqual(q["X-Amz-Expires"], "600")
        return url

    def test_closed_port(self):
        ep = f"http://127.0.0.1:{harness.closed_port()}"
        t = time.monotonic()
        self.run_presign(ep)
        # A client that tried to connect (and retried) would take longer than this.
        self.assertLess(time.monotonic() - t, 5)

    def test_unresolvable_https_endpoint(self):
        self.run_presign("https://s3.invalid")

    def test_odd_key_offline(self):
        url = self.run_presign(f"http://127.0.0.1:{harness.closed_port()}", key=ODD_KEY)
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        self.assertEqual(path, "/bucket/" + ODD_KEY)

    def test_region_from_flag_goes_into_the_scope(self):
        url = self.run_presign(f"http://127.0.0.1:{harness.closed_port()}")
        cred = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["X-Amz-Credential"]
        self.assertEqual(cred.split("/")[2], "eu-west-3")

    def test_no_network_at_all(self):
        """In a network namespace with no interfaces but a down loopback (`unshare -rn`)."""
        if not shutil.which("unshare"):
            self.skipTest("unshare not installed")
        if subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode != 0:
            self.skipTest("unshare -rn not permitted here (user namespaces off)")
        self.run_presign("http://127.0.0.1:9", wrapper=["unshare", "-rn"])


if __name__ == "__main__":
    harness.main()
