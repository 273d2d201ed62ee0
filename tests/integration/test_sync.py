"""s3-cli sync: what it copies (missing, another size, newer), what it leaves, --delete only after every
copy succeeded, --dryrun changing nothing, --size-only and --exact-timestamps, and a second sync after a
download doing nothing; --delete against the fault server failing a copy. Bytes are checked by SHA-256
through boto3.
"""
import os
import time

import fault_server
import harness


def lines_of(output, op):
    return sorted(line for line in output.decode().splitlines() if line.startswith(op + ":"))


class SyncMixin:
    def setUp(self):
        super().setUp()
        self.bucket = self.make_bucket()
        self.tree = self.tmp / "tree"

    def sync(self, *args, ok=True):
        res = self.cli("sync", *args, timeout=300)
        if ok:
            self.assertCliOk(res)
        return res

    def write(self, rel, size, seed=None, age=0):
        path = self.tree / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        harness.random_file(path, size, seed=seed)
        if age:
            t = time.time() - age
            os.utime(path, (t, t))
        return path

    def assert_objects(self, prefix, root):
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        self.assertEqual(sorted(harness.list_keys(self.s3, self.bucket, prefix)), [prefix + f for f in files])
        for rel in files:
            body = self.s3.get_object(Bucket=self.bucket, Key=prefix + rel)["Body"].read()
            self.assertEqual(harness.sha256_bytes(body), harness.sha256_file(root / rel), rel)

    def test_up_edit_and_again(self):
        # Files an hour old: the objects the first sync makes are newer than them.
        for i in range(5):
            self.write(f"d{i % 2}/f{i}.bin", 1000 * (i + 1), age=3600)
        self.write("zero", 0, age=3600)
        first = self.sync(str(self.tree), self.url("up/"))
        self.assertEqual(len(lines_of(first.stdout, "upload")), 6)
        self.assert_objects("up/", self.tree)

        self.assertEqual(self.sync(str(self.tree), self.url("up/")).stdout, b"")  # nothing changed
        self.write("d1/f1.bin", 1234, seed="edited", age=3600)  # another size, though older than its object
        self.write("new.bin", 10)
        again = self.sync(str(self.tree), self.url("up/"))
        self.assertEqual(lines_of(again.stdout, "upload"),
                         [f"upload: {self.tree / 'd1/f1.bin'} to {self.url('up/d1/f1.bin')}",
                          f"upload: {self.tree / 'new.bin'} to {self.url('up/new.bin')}"])
        self.assert_objects("up/", self.tree)

        # The same size, but touched after its object was made: newer, so copied; unless --size-only.
        time.sleep(1.1)
        os.utime(self.tree / "d0/f0.bin")
        self.assertEqual(self.sync("--size-only", str(self.tree), self.url("up/")).stdout, b"")
        self.assertEqual(len(lines_of(self.sync(str(self.tree), self.url("up/")).stdout, "upload")), 1)

    def test_down_and_a_second_sync_does_nothing(self):
        for i in range(4):
            self.write(f"a/b{i}/f.bin", 3000 + i, age=3600)
        self.sync(str(self.tree), self.url("t/"))
        down = self.tmp / "down"  # does not exist yet
        res = self.sync(self.url("t/"), str(down))
        self.assertEqual(len(lines_of(res.stdout, "download")), 4)
        self.assert_objects("t/", down)
        # Downloads carry the objects' Last-Modified: the second sync finds every file current.
        self.assertEqual(self.sync(self.url("t/"), str(down)).stdout, b"")
        # A file newer than its object is left alone, unless --exact-timestamps: any difference counts.
        later = time.time() + 3600
        os.utime(down / "a/b0/f.bin", (later, later))
        self.assertEqual(self.sync(self.url("t/"), str(down)).stdout, b"")
        self.assertEqual(len(lines_of(self.sync("--exact-timestamps", self.url("t/"), str(down)).stdout,
                                      "download")), 1)

    def test_delete_after_copies_and_never_after_a_failure(self):
        for name in ("keep", "gone", "sub/gone-too"):
            self.write(name, 100, age=3600)
        self.sync(str(self.tree), self.url("d/"))
        os.remove(self.tree / "gone")
        os.remove(self.tree / "sub/gone-too")
        self.write("added", 50)

        # A source file that cannot be copied (a dangling symlink): the copies that can run, the deletes
        # do not, and the exit says so.
        os.symlink(self.tree / "nowhere", self.tree / "broken")
        failed = self.sync("--delete", str(self.tree), self.url("d/"), ok=False)
        self.assertEqual(failed.rc, 1, failed.describe())
        self.assertIn("deletions not made", failed.stderr)
        self.assertEqual(sorted(harness.list_keys(self.s3, self.bucket, "d/")),
                         ["d/added", "d/gone", "d/keep", "d/sub/gone-too"])

        os.remove(self.tree / "broken")
        dry = self.sync("--dryrun", "--delete", str(self.tree), self.url("d/"))
        self.assertEqual(sorted(dry.stdout.decode().splitlines()),
                         [f"(dryrun) delete: {self.url('d/gone')}", f"(dryrun) delete: {self.url('d/sub/gone-too')}"])
        self.assertEqual(len(harness.list_keys(self.s3, self.bucket, "d/")), 4)  # --dryrun changed nothing

        res = self.sync("--delete", str(self.tree), self.url("d/"))
        self.assertEqual(lines_of(res.stdout, "delete"),
                         [f"delete: {self.url('d/gone')}", f"delete: {self.url('d/sub/gone-too')}"])
        self.assert_objects("d/", self.tree)

        # Locally too: a file the bucket no longer has is removed from the directory.
        down = self.tmp / "down"
        self.sync(self.url("d/"), str(down))
        (down / "stray").write_bytes(b"x")
        res = self.sync("--delete", self.url("d/"), str(down))
        self.assertEqual(lines_of(res.stdout, "delete"), [f"delete: {down / 'stray'}"])
        self.assertFalse((down / "stray").exists())

    def test_dryrun_copies_nothing(self):
        self.write("x", 10)
        res = self.sync("--dryrun", str(self.tree), self.url("dry/"))
        self.assertEqual(res.stdout.decode().strip(), f"(dryrun) upload: {self.tree / 'x'} to {self.url('dry/x')}")
        self.assertEqual(harness.list_keys(self.s3, self.bucket, "dry/"), [])

    def test_between_buckets(self):
        for i in range(3):
            self.write(f"k{i}", 500 + i, age=3600)
        self.sync(str(self.tree), self.url("src/"))
        other = self.make_bucket()
        res = self.sync(self.url("src/"), f"s3://{other}/dst/")
        self.assertEqual(len(lines_of(res.stdout, "copy")), 3)
        for i in range(3):
            body = self.s3.get_object(Bucket=other, Key=f"dst/k{i}")["Body"].read()
            self.assertEqual(harness.sha256_bytes(body), harness.sha256_file(self.tree / f"k{i}"))
        self.assertEqual(self.sync(self.url("src/"), f"s3://{other}/dst/").stdout, b"")

    def test_usage_errors(self):
        for args in (("-", self.url("x/")), (str(self.tree), str(self.tmp / "elsewhere"))):
            res = self.cli("sync", *args)
            self.assertEqual(res.rc, 2, res.describe())


class SyncFaults(fault_server.FaultServerTestCase):
    """--delete against a server that fails a copy: no deletion at all until every copy succeeds."""

    def sync(self, *args):
        return harness.run_cli("--no-progress", "sync", *args, env=self.server.env, global_args=True,
                               extra_env={"RAWS3_MAX_ATTEMPTS": "2"}, timeout=120)

    def test_delete_waits_for_every_copy(self):
        tree = self.tmp / "tree"
        tree.mkdir()
        for name in ("keep", "gone"):
            (tree / name).write_bytes(name.encode() * 10)
        self.assertEqual(self.sync(str(tree), f"s3://{self.BUCKET}/d/").rc, 0)
        (tree / "gone").unlink()
        (tree / "added").write_bytes(b"new")
        self.server.arm("PutObject", "internal_error", count=-1, key="d/added")
        failed = self.sync("--delete", str(tree), f"s3://{self.BUCKET}/d/")
        self.assertEqual(failed.rc, 1, failed.describe())
        self.assertIn("InternalError", failed.stderr)
        self.assertIn("1 deletions not made: a copy failed", failed.stderr)
        self.assertEqual(self.server.get(self.BUCKET, "d/gone"), b"gone" * 10)
        self.assertNotIn("DeleteObjects", [e["op"] for e in self.server.log()])

        self.server.disarm()
        res = self.sync("--delete", str(tree), f"s3://{self.BUCKET}/d/")
        self.assertEqual(res.rc, 0, res.describe())
        self.assertEqual(lines_of(res.stdout, "delete"), [f"delete: s3://{self.BUCKET}/d/gone"])
        self.assertIsNone(self.server.get(self.BUCKET, "d/gone"))
        self.assertEqual(self.server.get(self.BUCKET, "d/added"), b"new")


# Not moto: it refuses '/' in a listing's prefix when it checks signatures, and sync lists under one.
harness.server_variants(SyncMixin, ["s3rver", "rgw", "minio"], globals())

if __name__ == "__main__":
    harness.main()
