#!/usr/bin/env python3
"""What MinIO shows that the other test servers cannot: the addressing styles under a DNS name.

tests/servers/minio.sh starts MinIO with MINIO_DOMAIN=minio.test, so it takes `Host: <bucket>.minio.test`
as virtual-hosted and `Host: minio.test` as path style, as AWS does for its own names. s3-cli runs in a
mount namespace of its own (unshare --mount, as root) whose /etc/hosts names only the host the chosen style
must reach: a request sent in the other style cannot resolve its host and fails.
(The listing encoding, Complete's checksums, continuation and DeleteObjects run against MinIO in
test_cli_basic, test_multipart and test_bench.)
"""
import os
import subprocess
import unittest
from urllib.parse import urlsplit

import harness
from test_dns import namespaces_available

DOMAIN = "minio.test"


class Addressing(harness.ServerTestCase):
    SERVER = "minio"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not namespaces_available():
            raise unittest.SkipTest("cannot make a mount namespace here (unshare --mount needs root)")
        cls.port = urlsplit(cls.env["S3_ENDPOINT"]).port

    def cli_under_hosts(self, hosts, *args, stdin=None):
        """s3-cli against http://minio.test:PORT, in a namespace whose /etc/hosts names `hosts` only."""
        path = self.tmp / "hosts"
        path.write_text("".join(f"127.0.0.1 {h}\n" for h in hosts))
        under = ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', path]
        return harness.run_cli("--endpoint-url", f"http://{DOMAIN}:{self.port}", "--region", "us-east-1", *args,
                               env=self.env, stdin=stdin, under=under, timeout=60)

    def round_trip(self, hosts, *style):
        key = self.prefix() + "styled object"
        data = os.urandom(100_000)
        url = f"s3://{self.bucket}/{key}"
        put = self.cli_under_hosts(hosts, *style, "put", "-", url, stdin=data)
        self.assertCliOk(put)
        cat = self.cli_under_hosts(hosts, *style, "cat", url)
        self.assertCliOk(cat)
        self.assertEqual(harness.sha256_bytes(cat.stdout), harness.sha256_bytes(data))
        listed = self.cli_under_hosts(hosts, *style, "ls", f"s3://{self.bucket}/{key}")
        self.assertCliOk(listed)
        self.assertIn(key.rsplit("/", 1)[1], listed.stdout.decode())
        # Stored under exactly that key (a path-style request sent to the bucket's host would have made
        # "<bucket>/<key>").
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        self.assertEqual(harness.sha256_bytes(body), harness.sha256_bytes(data))
        return url

    def test_auto_uses_path_style_for_a_custom_endpoint(self):
        # Only minio.test resolves: <bucket>.minio.test would not.
        self.round_trip([DOMAIN])

    def test_virtual_asks_the_buckets_own_host(self):
        # Only <bucket>.minio.test resolves: a request to minio.test would not.
        self.round_trip([f"{self.bucket}.{DOMAIN}"], "--addressing", "virtual")

    def test_virtual_without_the_buckets_name_fails_clearly(self):
        res = self.cli_under_hosts([DOMAIN], "--addressing", "virtual", "--cli-connect-timeout", "5", "cat",
                                   f"s3://{self.bucket}/none")
        self.assertEqual(res.rc, 1, res.describe())
        self.assertEqual(len(res.stderr.splitlines()), 1, res.describe())
        self.assertIn(f"{self.bucket}.{DOMAIN}", res.stderr)


if __name__ == "__main__":
    harness.main()
