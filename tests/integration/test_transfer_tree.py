"""cp -r through the library's transfer queue: awkward trees (nested and empty directories, 0-byte files,
spaces and unicode, symlinks to files and directories, a symlink loop, a dangling symlink, a FIFO), many
objects through a small window, downloads' mtimes, a failure that does not stop the others.

Every byte of a round trip is checked by SHA-256, the objects through boto3 as well.
"""
import os
import time
from datetime import timezone

import harness


# Not moto: it refuses '/' in a listing's prefix when it checks signatures (test_cli_basic), and every
# test here lists under one.
class TreeMixin:
    UNICODE = True

    def setUp(self):
        super().setUp()
        self.bucket = self.make_bucket()

    def ok(self, *args):
        res = self.cli(*args, timeout=300)
        self.assertCliOk(res)
        return res

    def write(self, rel, size):
        path = self.tmp / "tree" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        harness.random_file(path, size)
        return harness.sha256_file(path)

    def awkward_tree(self):
        """The files a copy must carry (relative path: SHA-256) and the tree with its traps."""
        files = {"top.bin": 1000, "zero.bin": 0, "with space/and more.txt": 5000, "a/b/c/d/deep.bin": 70_000}
        if self.UNICODE:
            files["ünï/日本.bin"] = 300
        digests = {rel: self.write(rel, size) for rel, size in files.items()}
        tree = self.tmp / "tree"
        (tree / "empty" / "nested-empty").mkdir(parents=True)
        os.symlink(tree / "top.bin", tree / "link-to-file")  # followed: a copy of top.bin
        digests["link-to-file"] = digests["top.bin"]
        os.symlink(tree / "a" / "b", tree / "link-to-dir")  # followed: a copy of a/b
        digests["link-to-dir/c/d/deep.bin"] = digests["a/b/c/d/deep.bin"]
        os.symlink(tree, tree / "a" / "loop")  # back to the root: walked once, not forever
        return tree, digests

    def assert_objects(self, prefix, digests, bucket=None):
        bucket = bucket or self.bucket
        keys = sorted(harness.list_keys(self.s3, bucket, prefix))
        self.assertEqual(keys, sorted(prefix + rel for rel in digests))
        for rel, digest in digests.items():
            body = self.s3.get_object(Bucket=bucket, Key=prefix + rel)["Body"].read()
            self.assertEqual(harness.sha256_bytes(body), digest, rel)

    def test_awkward_tree_up_and_down(self):
        tree, digests = self.awkward_tree()
        res = self.ok("cp", "-r", str(tree), f"s3://{self.bucket}/up/")
        # The empty directories and the loop are named, not silently dropped; none of them fails the copy.
        for skipped in ("empty/nested-empty: empty directory", "a/loop: symlink loop"):
            self.assertIn(skipped, res.stderr)
        self.assert_objects("up/", digests)
        down = self.tmp / "down"
        self.ok("cp", "-r", f"s3://{self.bucket}/up/", str(down))
        self.assert_local_tree(down, digests)

    def test_no_follow_symlinks_skips_them_and_says_so(self):
        tree, digests = self.awkward_tree()
        os.symlink(tree / "nowhere", tree / "dangling")  # not followed: not an error either
        kept = {rel: d for rel, d in digests.items() if not rel.startswith("link-to-")}
        for command in ("cp", "sync"):
            prefix = command + "/"
            args = ("-r",) if command == "cp" else ()
            res = self.ok(command, *args, "--no-follow-symlinks", str(tree), f"s3://{self.bucket}/{prefix}")
            for link in ("link-to-file", "link-to-dir", "a/loop", "dangling"):
                self.assertIn(f"{link}: symlink (not followed)", res.stderr)
            self.assert_objects(prefix, kept)

    def test_what_cannot_be_copied_fails_alone(self):
        tree, digests = self.awkward_tree()
        os.symlink(tree / "nowhere", tree / "dangling")
        os.mkfifo(tree / "fifo")
        res = self.cli("cp", "-r", str(tree), f"s3://{self.bucket}/up/", timeout=300)
        self.assertEqual(res.rc, 1, res.describe())
        err = res.stderr
        self.assertIn("dangling: dangling symlink", err)
        self.assertIn("fifo: not a regular file (FIFO)", err)
        self.assert_objects("up/", digests)  # everything else arrived

    def test_many_objects_through_a_small_window(self):
        # More objects than the window and than three listing pages of 40: the walk and the listing feed the queue
        # as they go, and every object arrives exactly once.
        digests = {f"d{i % 7}/f{i:04d}.bin": self.write(f"d{i % 7}/f{i:04d}.bin", 1000 + i) for i in range(120)}
        tree = self.tmp / "tree"
        records, _ = harness.json_results(self.ok("--json", "--concurrency", "5", "cp", "-r", str(tree),
                                                  f"s3://{self.bucket}/many/").stdout)
        self.assertEqual(sorted(r["destination"] for r in records),
                         sorted(f"s3://{self.bucket}/many/{rel}" for rel in digests))
        self.assert_objects("many/", digests)
        down = self.tmp / "down"
        self.ok("--concurrency", "3", "--page-size", "40", "cp", "-r", f"s3://{self.bucket}/many/", str(down))
        self.assert_local_tree(down, digests)
        other = self.make_bucket()
        self.ok("--concurrency", "7", "--page-size", "40", "cp", "-r", f"s3://{self.bucket}/many/", f"s3://{other}/c/")
        self.assert_objects("c/", digests, bucket=other)

    def test_downloads_carry_last_modified(self):
        # awscli's rule: a downloaded file's mtime is the object's Last-Modified, so a later sync sees it
        # as current. The download comes seconds after the upload: a file left with the time of its
        # download fails.
        self.write("x.bin", 2000)
        self.write("y/z.bin", 0)
        self.ok("cp", "-r", str(self.tmp / "tree"), f"s3://{self.bucket}/t/")
        time.sleep(2.5)
        down = self.tmp / "down"
        self.ok("cp", "-r", f"s3://{self.bucket}/t/", str(down))
        for rel in ("x.bin", "y/z.bin"):
            modified = self.s3.head_object(Bucket=self.bucket, Key=f"t/{rel}")["LastModified"]
            self.assertEqual(int((down / rel).stat().st_mtime), int(modified.astimezone(timezone.utc).timestamp()))


harness.server_variants(TreeMixin, ["s3rver", "rgw", "minio"], globals())

if __name__ == "__main__":
    harness.main()
