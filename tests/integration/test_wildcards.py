"""Wildcards in sources ('*' and '?' within a segment, '**' across them), awscli's --include/--exclude with
its ordering, --raw, and what each command does with them: cp (both directions), ls, rm, sync. A wildcard
that selects nothing fails with a line saying so; rm reports only the keys S3 deleted.

Copies are checked by SHA-256 of every file and object.
"""
import json

import harness

# The relative names of the source tree, each a few bytes of its own.
NAMES = ["a.txt", "b.bin", "c.txt", "d/e.txt", "d/f.bin", "d/g/h.txt", "x/y/z.log", "q1.txt", "q22.txt"]


# Not moto: it refuses '/' in a listing's prefix when it checks signatures (test_cli_basic).
class WildcardMixin:
    def setUp(self):
        super().setUp()
        self.bucket = self.make_bucket()
        self.digests = {}
        for i, rel in enumerate(NAMES):
            body = harness.random_bytes(100 + i)
            self.s3.put_object(Bucket=self.bucket, Key="src/" + rel, Body=body)
            self.digests[rel] = harness.sha256_bytes(body)

    def ok(self, *args):
        res = self.cli("--no-progress", *args, timeout=120)
        self.assertCliOk(res)
        return res

    def download(self, *args):
        down = self.tmp / harness.unique_name("down")
        self.ok("cp", *args, str(down) + "/")
        return down

    def expect_tree(self, root, rels):
        self.assert_local_tree(root, {rel: self.digests[src] for rel, src in rels.items()})

    def test_star_stays_in_its_segment_and_double_star_crosses(self):
        self.expect_tree(self.download(self.url("src/*.txt")), {n: n for n in ["a.txt", "c.txt", "q1.txt", "q22.txt"]})
        # Names below the wildcard's directory keep their structure.
        deep = self.download(self.url("src/**.txt"))
        self.expect_tree(deep, {n: n for n in NAMES if n.endswith(".txt")})
        self.expect_tree(self.download(self.url("src/d/*")), {"e.txt": "d/e.txt", "f.bin": "d/f.bin"})
        self.expect_tree(self.download(self.url("src/q?.txt")), {"q1.txt": "q1.txt"})
        self.expect_tree(self.download(self.url("src/**/h.txt")), {"d/g/h.txt": "d/g/h.txt"})
        self.expect_tree(self.download(self.url("src/*/g/*.txt")), {"d/g/h.txt": "d/g/h.txt"})

    def test_ls_lists_what_a_wildcard_selects(self):
        out = self.ok("ls", self.url("src/**.bin")).stdout.decode().splitlines()
        self.assertEqual([line.split()[-1] for line in out], ["src/b.bin", "src/d/f.bin"])
        self.assertEqual([line.split()[2] for line in out], ["101", "104"])  # sizes, awscli's columns

    def test_du_counts_what_a_prefix_or_wildcard_selects(self):
        sizes = {rel: 100 + i for i, rel in enumerate(NAMES)}
        self.assertEqual(self.ok("du", self.url("src/")).stdout.decode().strip(),
                         f"{sum(sizes.values())} bytes in {len(NAMES)} objects: {self.url('src/')}")
        bins = [rel for rel in NAMES if rel.endswith(".bin")]
        doc = json.loads(self.ok("--json", "du", self.url("src/**.bin")).stdout)
        self.assertEqual(doc, {"url": self.url("src/**.bin"), "objects": len(bins),
                               "size": sum(sizes[rel] for rel in bins)})
        self.assertEqual(self.ok("du", "--human-readable", self.url("src/d/")).stdout.decode().strip(),
                         f"{sizes['d/e.txt'] + sizes['d/f.bin'] + sizes['d/g/h.txt']} B in 3 objects: {self.url('src/d/')}")
        self.assertEqual(self.ok("du", self.url("nothing-here/")).stdout.decode().strip(),
                         f"0 bytes in 0 objects: {self.url('nothing-here/')}")
        unmatched = self.cli("du", self.url("src/*.none"))
        self.assertEqual(unmatched.rc, 1, unmatched.describe())

    def test_include_exclude_in_order(self):
        # awscli: the last matching rule decides; '*' crosses '/' in filters.
        down = self.download("-r", self.url("src/"), "--exclude", "*", "--include", "*.txt", "--exclude", "d/g/*")
        self.expect_tree(down, {n: n for n in ["a.txt", "c.txt", "q1.txt", "q22.txt", "d/e.txt"]})
        everything_excluded = self.download("-r", self.url("src/"), "--include", "*.txt", "--exclude", "*")
        self.assertFalse(everything_excluded.exists() and any(everything_excluded.rglob("*")))

    def test_local_wildcards_and_filters_upload(self):
        tree = self.tmp / "tree"
        local = {}
        for rel in NAMES:
            path = tree / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            harness.random_file(path, 50)
            local[rel] = harness.sha256_file(path)
        self.ok("cp", str(tree) + "/*.bin", self.url("up1/"))
        self.assertEqual(self.keys("up1/"), ["up1/b.bin"])
        self.ok("cp", str(tree) + "/**.bin", self.url("up2/"))
        self.assertEqual(self.keys("up2/"), ["up2/b.bin", "up2/d/f.bin"])
        self.ok("cp", "-r", str(tree), self.url("up3/"), "--exclude", "*.txt")
        self.assertEqual(self.keys("up3/"), ["up3/b.bin", "up3/d/f.bin", "up3/x/y/z.log"])
        for key in self.keys("up3/"):
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            self.assertEqual(harness.sha256_bytes(body), local[key[len("up3/"):]], key)

    def test_rm_with_a_wildcard_deletes_what_it_matches_and_says_so(self):
        res = self.ok("rm", self.url("src/**.txt"))
        deleted = sorted(line.split(": ", 1)[1] for line in res.stdout.decode().splitlines())
        self.assertEqual(deleted, sorted(self.url("src/" + n) for n in NAMES if n.endswith(".txt")))
        self.assertEqual(self.keys("src/"), ["src/b.bin", "src/d/f.bin", "src/x/y/z.log"])
        # A wildcard that matches nothing deletes nothing and says so: exit 1, no "delete:" line.
        none = self.cli("rm", self.url("src/*.nothing"))
        self.assertEqual(none.rc, 1, none.describe())
        self.assertEqual(none.stdout, b"")
        self.assertIn("no object matches", none.stderr)
        self.ok("rm", "-r", self.url("src/"), "--exclude", "*.log")
        self.assertEqual(self.keys("src/"), ["src/x/y/z.log"])

    def test_raw_takes_a_star_literally(self):
        self.s3.put_object(Bucket=self.bucket, Key="lit/a*b", Body=b"star")
        self.s3.put_object(Bucket=self.bucket, Key="lit/aXb", Body=b"not me")
        down = self.tmp / "raw"
        down.mkdir()
        self.ok("cp", "--raw", self.url("lit/a*b"), str(down / "got"))
        self.assertEqual((down / "got").read_bytes(), b"star")
        self.ok("rm", "--raw", self.url("lit/a*b"))
        self.assertEqual(self.keys("lit/"), ["lit/aXb"])

    def test_unmatched_copy_fails(self):
        res = self.cli("cp", self.url("src/*.none"), str(self.tmp / "none") + "/")
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("no object matches", res.stderr)
        res = self.cli("cp", str(self.tmp) + "/*.none", self.url("x/"))
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("no file matches", res.stderr)

    def test_sync_honours_filters_on_both_sides(self):
        down = self.tmp / "synced"
        self.ok("sync", self.url("src/"), str(down), "--exclude", "*.bin")
        self.expect_tree(down, {n: n for n in NAMES if not n.endswith(".bin")})
        # An excluded local file is neither uploaded nor, with --delete, removed on the other side.
        (down / "local.bin").write_bytes(b"local")
        self.ok("sync", "--delete", str(down), self.url("src/"), "--exclude", "*.bin")
        self.assertIn("src/b.bin", self.keys("src/"))
        self.assertNotIn("src/local.bin", self.keys("src/"))


harness.server_variants(WildcardMixin, ["s3rver", "rgw", "minio"], globals())

if __name__ == "__main__":
    harness.main()
