"""100,000 keys on the fault server, listed, dry-run synced and removed by s3-cli with its peak RSS under
64 MiB each time: listings and deletes stream a page at a time, whatever the number of keys. The bound is
not asserted in a sanitizer build: AddressSanitizer keeps up to 256 MiB of freed memory in quarantine by
design, whatever the program holds.
"""
import os
import resource
import sys

import fault_server
import harness

COUNT = 100_000
RSS_LIMIT_KIB = 64 << 10


class ManyKeys(fault_server.FaultServerTestCase):
    def cli(self, *args):
        return harness.run_cli("--no-progress", *args, env=self.server.env, global_args=True, timeout=600)

    def assert_peak_rss_bounded(self, what):
        if os.environ.get("RAWS3_SANITIZED") == "1":
            return
        # The largest of the waited-for children: only s3-cli runs are waited for here (the fault server
        # is a child too, but runs until the class ends).
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"{what}: peak RSS {peak} KiB", file=sys.stderr)
        self.assertLess(peak, RSS_LIMIT_KIB, f"{what}: peak RSS {peak} KiB")

    def test_list_sync_and_remove_100000_keys(self):
        prefix = "many/"
        self.server.fill(self.BUCKET, prefix, COUNT, size=1)
        listed = self.cli("ls", "--recursive", f"s3://{self.BUCKET}/{prefix}")
        self.assertEqual(listed.rc, 0, listed.describe())
        lines = listed.stdout.splitlines()
        self.assertEqual(len(lines), COUNT)
        self.assertTrue(lines[-1].endswith(b"many/099999"), lines[-1])
        self.assert_peak_rss_bounded("ls -r")

        dry = self.cli("sync", "--dryrun", f"s3://{self.BUCKET}/{prefix}", str(self.tmp / "nowhere"))
        self.assertEqual(dry.rc, 0, dry.describe())
        self.assertEqual(len(dry.stdout.splitlines()), COUNT)
        self.assert_peak_rss_bounded("sync --dryrun")

        removed = self.cli("--quiet", "rm", "--recursive", f"s3://{self.BUCKET}/{prefix}")
        self.assertEqual(removed.rc, 0, removed.describe())
        self.assert_peak_rss_bounded("rm -r")
        status, listing = self.server.request("GET", f"/{self.BUCKET}?list-type=2&prefix={prefix}&max-keys=1")
        self.assertEqual(status, 200)
        self.assertNotIn(b"<Key>", listing)
        deletes = [e for e in self.server.log() if e["op"] == "DeleteObjects"]
        self.assertEqual(len(deletes), COUNT // 1000)


if __name__ == "__main__":
    harness.main()
