"""mv: a copy, the copy verified, then the source removed — in every direction, one object or a tree or a
wildcard; and never a lost source: a copy that fails (the fault server refusing it) leaves its source
where it was, while the others move.
"""
import json
import os
import re

import fault_server
import harness


# Not moto: it refuses '/' in a listing's prefix when it checks signatures (test_cli_basic).
class MoveMixin:
    def setUp(self):
        super().setUp()
        self.bucket = self.make_bucket()

    def ok(self, *args):
        res = self.cli("--no-progress", *args, timeout=120)
        self.assertCliOk(res)
        return res

    def body(self, key):
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def test_one_file_up_down_and_across(self):
        path = self.tmp / "one.bin"
        harness.random_file(path, 300_000)
        digest = harness.sha256_file(path)
        res = self.ok("mv", str(path), self.url("m/one.bin"))
        self.assertEqual(res.stdout.decode().strip(), f"move: {path} to {self.url('m/one.bin')}")
        self.assertFalse(path.exists())
        self.assertEqual(harness.sha256_bytes(self.body("m/one.bin")), digest)

        self.ok("mv", self.url("m/one.bin"), self.url("n/one.bin"))
        self.assertEqual(self.keys(""), ["n/one.bin"])
        self.assertEqual(harness.sha256_bytes(self.body("n/one.bin")), digest)

        back = self.tmp / "back.bin"
        self.ok("mv", self.url("n/one.bin"), str(back))
        self.assertEqual(self.keys(""), [])
        self.assertEqual(harness.sha256_file(back), digest)

    def test_a_tree_and_a_wildcard(self):
        tree = self.tmp / "tree"
        digests = {}
        for rel, size in {"a.txt": 10, "b.bin": 0, "d/e.txt": 5000, "d/f/g.bin": 70_000}.items():
            path = tree / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            harness.random_file(path, size)
            digests[rel] = harness.sha256_file(path)
        self.ok("mv", "-r", str(tree), self.url("t/"))
        self.assertEqual([p for p in tree.rglob("*") if p.is_file()], [])
        self.assertEqual(self.keys("t/"), sorted("t/" + rel for rel in digests))

        self.ok("mv", self.url("t/**.txt"), self.url("txt/"))
        self.assertEqual(self.keys("txt/"), ["txt/a.txt", "txt/d/e.txt"])
        self.assertEqual(self.keys("t/"), ["t/b.bin", "t/d/f/g.bin"])
        for rel in ("a.txt", "d/e.txt"):
            self.assertEqual(harness.sha256_bytes(self.body("txt/" + rel)), digests[rel])

        down = self.tmp / "down"
        self.ok("mv", "-r", self.url("t/"), str(down))
        self.assertEqual(self.keys("t/"), [])
        self.assert_local_tree(down, {rel: digests[rel] for rel in ("b.bin", "d/f/g.bin")})

    def test_usage(self):
        a = self.tmp / "a"
        a.write_bytes(b"x")
        for args in (["mv", str(a), str(self.tmp / "b")], ["mv", "-", self.url("k")]):
            res = self.cli(*args)
            self.assertEqual(res.rc, 2, res.describe())
        self.assertTrue(a.exists())


harness.server_variants(MoveMixin, ["s3rver", "rgw", "minio"], globals())


class MoveFailures(fault_server.FaultServerTestCase):
    """A refused copy keeps its source; the rest of the tree moves, and the exit code says one failed."""

    def cli(self, *args):
        return harness.run_cli("--no-progress", *args, env=self.server.env, global_args=True, timeout=60)

    def keys(self, prefix):
        status, listing = self.server.request("GET", f"/{self.BUCKET}?list-type=2&prefix={prefix}")
        self.assertEqual(status, 200)
        return sorted(k.decode() for k in re.findall(rb"<Key>([^<]*)</Key>", listing))

    def test_a_refused_upload_keeps_its_file(self):
        tree = self.tmp / "tree"
        tree.mkdir()
        for name in ("a", "b", "c"):
            (tree / name).write_bytes(name.encode() * 100)
        prefix = f"{self.key}/"
        self.server.arm("PutObject", "access_denied", count=-1, key=prefix + "b")
        res = self.cli("mv", "-r", str(tree), f"s3://{self.BUCKET}/{prefix}")
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("AccessDenied", res.stderr)
        self.assertEqual(sorted(os.listdir(tree)), ["b"])
        self.assertEqual((tree / "b").read_bytes(), b"b" * 100)
        self.assertEqual(self.keys(prefix), [prefix + "a", prefix + "c"])

    def test_json_records_errors_and_a_summary(self):
        tree = self.tmp / "tree"
        tree.mkdir()
        for name in ("a", "b"):
            (tree / name).write_bytes(name.encode() * 10)
        prefix = f"{self.key}/"
        self.server.arm("PutObject", "access_denied", count=-1, key=prefix + "b")
        res = self.cli("--json", "mv", "-r", str(tree), f"s3://{self.BUCKET}/{prefix}")
        self.assertEqual(res.rc, 1, res.describe())
        records, summary = harness.json_results(res.stdout)
        self.assertEqual([(r["op"], r["source"], r["size"]) for r in records], [("move", str(tree / "a"), 10)])
        self.assertEqual(summary, {"succeeded": 1, "failed": 1, "bytes": 10})
        errors = [json.loads(line)["error"] for line in res.stderr.splitlines()]
        self.assertEqual([(e["command"], e["target"], e["code"], e["http_status"]) for e in errors],
                         [("mv", f"s3://{self.BUCKET}/{prefix}b", "AccessDenied", 403)])

    def test_a_refused_copy_keeps_its_object(self):
        src, dst = f"{self.key}/src/", f"{self.key}/dst/"
        for name in ("a", "b"):
            self.server.put(self.BUCKET, src + name, name.encode() * 10)
        self.server.arm("CopyObject", "access_denied", count=-1, key=dst + "a")
        res = self.cli("mv", "-r", f"s3://{self.BUCKET}/{src}", f"s3://{self.BUCKET}/{dst}")
        self.assertEqual(res.rc, 1, res.describe())
        self.assertEqual(self.keys(src), [src + "a"])
        self.assertEqual(self.keys(dst), [dst + "b"])
        single = self.cli("mv", f"s3://{self.BUCKET}/{src}a", f"s3://{self.BUCKET}/{dst}a")
        self.assertEqual(single.rc, 1, single.describe())
        self.assertEqual(self.keys(src), [src + "a"])
        self.assertEqual(self.server.get(self.BUCKET, src + "a"), b"a" * 10)


if __name__ == "__main__":
    harness.main()
