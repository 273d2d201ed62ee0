"""run FILE|-: a batch of cp, mv and rm lines through one window. Good lines all run (checked by SHA-256 of
what arrived), each bad line is reported once with its file and line number, and the exit code is the
worst of them; a thousand single-object lines all land.
"""
import harness


# Not moto: it refuses '/' in a listing's prefix when it checks signatures (test_cli_basic).
class BatchMixin:
    def setUp(self):
        super().setUp()
        self.bucket = self.make_bucket()
        self.src = self.tmp / "src"
        self.src.mkdir()
        self.digests = {}
        for name, size in {"a.bin": 1000, "b c.bin": 0, "d/e.txt": 70_000, "d/f.txt": 10, "m.bin": 500}.items():
            path = self.src / name
            path.parent.mkdir(parents=True, exist_ok=True)
            harness.random_file(path, size)
            self.digests[name] = harness.sha256_file(path)

    def run_batch(self, text, *args, stdin=None):
        batch = self.tmp / "batch.txt"
        batch.write_text(text)
        return self.cli("--no-progress", "run", "-" if stdin is not None else str(batch), *args, stdin=stdin,
                        timeout=300)

    def assert_object(self, key, rel):
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        self.assertEqual(harness.sha256_bytes(body), self.digests[rel], key)

    def test_good_and_bad_lines(self):
        self.s3.put_object(Bucket=self.bucket, Key="old/x", Body=b"x")
        self.s3.put_object(Bucket=self.bucket, Key="old/y.log", Body=b"y")
        self.s3.put_object(Bucket=self.bucket, Key="old/z.log", Body=b"z")
        s, b = self.src, self.bucket
        res = self.run_batch(f"""# a comment, then a blank line

cp {s}/a.bin s3://{b}/one/a.bin
cp "{s}/b c.bin" 's3://{b}/one/b c.bin'
cp -r {s}/d s3://{b}/tree/
cp '{s}/d/*.txt' s3://{b}/wild/
mv {s}/m.bin s3://{b}/moved/
frobnicate s3://{b}/x
cp --bogus {s}/a.bin s3://{b}/never
cp s3://{b}/no-such-key {self.tmp}/never
rm s3://{b}/old/x
rm 's3://{b}/old/*.log'
""")
        self.assertEqual(res.rc, 2, res.describe())  # the worst line: a usage error
        batch = self.tmp / "batch.txt"
        self.assertIn(f"run {batch}:8: 'frobnicate' cannot run in a batch", res.stderr)
        self.assertIn(f"run {batch}:9: ", res.stderr)
        self.assertIn("NoSuchKey", res.stderr)
        self.assertEqual(len(res.stderr.strip().splitlines()), 3, res.stderr)
        self.assertEqual(self.keys(""), sorted(["one/a.bin", "one/b c.bin", "tree/e.txt", "tree/f.txt",
                                                "wild/e.txt", "wild/f.txt", "moved/m.bin"]))
        for key, rel in (("one/a.bin", "a.bin"), ("one/b c.bin", "b c.bin"), ("tree/e.txt", "d/e.txt"),
                         ("wild/f.txt", "d/f.txt"), ("moved/m.bin", "m.bin")):
            self.assert_object(key, rel)
        self.assertFalse((self.src / "m.bin").exists(), "mv left its source")
        self.assertTrue((self.src / "a.bin").exists(), "cp removed its source")

    def test_a_thousand_lines_from_stdin(self):
        lines = "".join(f"cp {self.src}/d/f.txt s3://{self.bucket}/many/{i:04}\n" for i in range(1000))
        res = self.run_batch("", "--quiet", stdin=lines.encode())
        self.assertCliOk(res)
        self.assertEqual(self.keys("many/"), [f"many/{i:04}" for i in range(1000)])
        self.assert_object("many/0999", "d/f.txt")
        down = "".join(f"cp s3://{self.bucket}/many/{i:04} {self.tmp}/down/\n" for i in range(0, 1000, 100))
        self.assertCliOk(self.run_batch(down))
        self.assert_local_tree(self.tmp / "down", {f"{i:04}": self.digests["d/f.txt"] for i in range(0, 1000, 100)})

    def test_missing_batch_file(self):
        res = self.cli("run", str(self.tmp / "absent"))
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("No such file or directory", res.stderr)


harness.server_variants(BatchMixin, ["s3rver", "rgw", "minio"], globals())

if __name__ == "__main__":
    harness.main()
