"""s3-cli end to end against s3rver and moto: every command, every direction, awkward keys.

Every byte that goes through a round trip is checked by SHA-256; what the CLI wrote is also read back with
boto3, so that a key mangled the same way in both directions cannot pass unnoticed.
"""
import hashlib
import json
import os
import pathlib
import shutil
import tempfile
import unittest
import uuid

import harness

# Keys every server must take as they are.
PORTABLE_KEYS = [
    "with space/and more spaces.txt",
    "eq=sign",
    "tilde~",
    "bang!",
    "quote'",
    "paren(",
    "double//slash",
    "/leading-slash",
    "deep/" + "k" * (1024 - len("deep/")),  # S3's longest key: 1,024 bytes
]
# moto's SigV4 check (auth on) canonicalizes '+', '%' and non-ASCII paths differently from the signer and
# refuses correctly signed requests with 403, so these run against s3rver only.
S3RVER_ONLY_KEYS = [
    "plus+sign",
    "percent%41%",
    "ünïcödé/ключ/日本.bin",
]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class CliBasic:
    """The tests; a subclass names the server."""

    SERVER = None
    KEYS = PORTABLE_KEYS

    @classmethod
    def setUpClass(cls):
        cls.env = harness.server_env(cls.SERVER)
        cls.s3 = harness.boto3_client(cls.SERVER)
        cls.bucket = f"cli-{uuid.uuid4().hex[:12]}"
        cls.s3.create_bucket(Bucket=cls.bucket)

    @classmethod
    def tearDownClass(cls):
        paginator = cls.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=cls.bucket):
            for obj in page.get("Contents", []):
                cls.s3.delete_object(Bucket=cls.bucket, Key=obj["Key"])
        cls.s3.delete_bucket(Bucket=cls.bucket)

    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="s3cli-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.prefix = f"t-{uuid.uuid4().hex[:8]}/"  # each test in its own corner of the bucket

    # --- helpers ---------------------------------------------------------------------------------------

    def cli(self, *args, stdin=None):
        return harness.run_cli("--endpoint-url", self.env["S3_ENDPOINT"], *args, env=self.env, stdin=stdin,
                               timeout=60)

    def ok(self, *args, stdin=None):
        rc, out, err = self.cli(*args, stdin=stdin)
        self.assertEqual(rc, 0, f"s3-cli {' '.join(args)} failed: {err}")
        return out

    def url(self, key, bucket=None):
        return f"s3://{bucket or self.bucket}/{key}"

    def local_file(self, name, size):
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        harness.random_file(str(path), size)
        return path

    def object_bytes(self, key, bucket=None):
        return self.s3.get_object(Bucket=bucket or self.bucket, Key=key)["Body"].read()

    def assert_object(self, key, digest, bucket=None):
        self.assertEqual(sha256(self.object_bytes(key, bucket)), digest, key)

    # --- buckets ---------------------------------------------------------------------------------------

    def test_mb_ls_rb(self):
        name = f"cli-mb-{uuid.uuid4().hex[:10]}"
        self.assertIn(b"make_bucket", self.ok("mb", f"s3://{name}"))
        listing = self.ok("ls").decode()
        self.assertTrue(any(line.endswith(" " + name) for line in listing.splitlines()), listing)
        doc = json.loads(self.ok("--json", "ls"))
        self.assertIn(name, [b["name"] for b in doc["buckets"]])
        self.ok("rb", f"s3://{name}")
        self.assertNotIn(name, [b["name"] for b in json.loads(self.ok("ls", "--json"))["buckets"]])

    # --- put / get / cat / stat ------------------------------------------------------------------------

    def test_put_file_then_get_every_way(self):
        src = self.local_file("src.bin", 300_000)
        digest = harness.sha256_file(str(src))
        key = self.prefix + "obj.bin"
        out = self.ok("put", str(src), self.url(key))
        self.assertIn(b"upload:", out)
        self.assert_object(key, digest)

        dest = self.tmp / "down.bin"
        self.ok("get", self.url(key), str(dest))
        self.assertEqual(harness.sha256_file(str(dest)), digest)

        self.assertEqual(sha256(self.ok("get", self.url(key), "-")), digest)
        self.assertEqual(sha256(self.ok("cat", self.url(key))), digest)

        into = self.tmp / "dir"
        into.mkdir()
        self.ok("get", self.url(key), str(into))
        self.assertEqual(harness.sha256_file(str(into / "obj.bin")), digest)

    def test_put_key_ending_in_slash_takes_the_file_name(self):
        src = self.local_file("named.txt", 1000)
        self.ok("put", str(src), self.url(self.prefix))
        self.assert_object(self.prefix + "named.txt", harness.sha256_file(str(src)))

    def test_put_stdin(self):
        data = os.urandom(200_000)
        key = self.prefix + "from-stdin"
        self.ok("put", "-", self.url(key), stdin=data)
        self.assert_object(key, sha256(data))
        self.ok("put", "-", self.url(key + "-empty"), stdin=b"")
        self.assertEqual(self.object_bytes(key + "-empty"), b"")

    def test_multipart_round_trip(self):
        # Above one part (5 MiB, S3's floor, which moto enforces): put_file goes multipart.
        src = self.local_file("big.bin", 11 * 1024 * 1024 + 123)
        digest = harness.sha256_file(str(src))
        key = self.prefix + "big.bin"
        self.ok("--part-size", "5MiB", "put", str(src), self.url(key))
        self.assert_object(key, digest)
        dest = self.tmp / "big.out"
        self.ok("get", self.url(key), str(dest), "--part-size", "5MiB")  # global options after the command too
        self.assertEqual(harness.sha256_file(str(dest)), digest)

    def test_stat(self):
        key = self.prefix + "stat-me"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"x" * 1234, ContentType="text/plain",
                           Metadata={"colour": "blue"})
        text = self.ok("stat", self.url(key)).decode()
        self.assertIn("size: 1234", text)
        self.assertIn("content-type: text/plain", text)
        self.assertIn("metadata.colour: blue", text)
        doc = json.loads(self.ok("--json", "stat", self.url(key)))
        self.assertEqual(doc["size"], 1234)
        self.assertEqual(doc["key"], key)
        self.assertEqual(doc["metadata"], {"colour": "blue"})
        self.assertTrue(doc["etag"])
        self.assertTrue(doc["last_modified"])

    # --- ls ----------------------------------------------------------------------------------------------

    def test_ls_prefix_and_recursive(self):
        for key in ("a.txt", "sub/b.txt", "sub/deeper/c.txt"):
            self.s3.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=b"0123456789")
        lines = self.ok("ls", self.url(self.prefix)).decode().splitlines()
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], r"^ +PRE sub/$")
        self.assertRegex(lines[1], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +10 a\.txt$")

        lines = self.ok("ls", "--recursive", self.url(self.prefix)).decode().splitlines()
        self.assertEqual([line.split()[-1] for line in lines],
                         [self.prefix + k for k in ("a.txt", "sub/b.txt", "sub/deeper/c.txt")])

        doc = json.loads(self.ok("--json", "ls", self.url(self.prefix)))
        self.assertEqual(doc["common_prefixes"], [self.prefix + "sub/"])
        self.assertEqual([o["key"] for o in doc["objects"]], [self.prefix + "a.txt"])
        self.assertEqual(doc["objects"][0]["size"], 10)
        doc = json.loads(self.ok("--json", "ls", "-r", self.url(self.prefix)))
        self.assertEqual(len(doc["objects"]), 3)
        self.assertEqual(doc["common_prefixes"], [])

    def test_ls_pages_through_continuation_tokens(self):
        # 1,001 keys: one more than a page. Uploaded by the CLI itself (cp --recursive of small files).
        tree = self.tmp / "many"
        tree.mkdir()
        for i in range(1001):
            (tree / f"f{i:04d}").write_bytes(b"%d" % i)
        self.ok("--quiet", "cp", "--recursive", str(tree), self.url(self.prefix))
        doc = json.loads(self.ok("--json", "ls", "--recursive", self.url(self.prefix)))
        self.assertEqual(len(doc["objects"]), 1001)
        self.assertEqual(len(self.ok("ls", self.url(self.prefix)).splitlines()), 1001)
        self.ok("--quiet", "rm", "--recursive", self.url(self.prefix))
        self.assertEqual(self.ok("ls", "--recursive", self.url(self.prefix)), b"")

    # --- cp ----------------------------------------------------------------------------------------------

    def test_cp_every_direction(self):
        src = self.local_file("cp-src.bin", 100_000)
        digest = harness.sha256_file(str(src))
        up, copied = self.prefix + "up.bin", self.prefix + "copied.bin"

        self.ok("cp", str(src), self.url(up))  # local → s3
        self.assert_object(up, digest)
        self.assertIn(b"copy:", self.ok("cp", self.url(up), self.url(copied)))  # s3 → s3
        self.assert_object(copied, digest)
        down = self.tmp / "down.bin"
        self.ok("cp", self.url(copied), str(down))  # s3 → local
        self.assertEqual(harness.sha256_file(str(down)), digest)
        as_url = self.tmp / "via file url.bin"
        self.ok("cp", self.url(up), "file://" + str(as_url).replace(" ", "%20"))  # s3 → file://
        self.assertEqual(harness.sha256_file(str(as_url)), digest)
        self.ok("cp", "file://" + str(as_url).replace(" ", "%20"), self.url(self.prefix + "from-url"))
        self.assert_object(self.prefix + "from-url", digest)
        local_copy = self.tmp / "local-copy.bin"
        self.ok("cp", str(src), str(local_copy))  # local → local
        self.assertEqual(harness.sha256_file(str(local_copy)), digest)
        self.assertEqual(sha256(self.ok("cp", self.url(up), "-")), digest)  # s3 → stdout
        data = os.urandom(5000)
        self.ok("cp", "-", self.url(self.prefix + "cp-stdin"), stdin=data)  # stdin → s3
        self.assert_object(self.prefix + "cp-stdin", sha256(data))

    def test_cp_recursive_every_direction(self):
        tree = self.tmp / "tree"
        files = {"top.bin": 1000, "a/one.bin": 20_000, "a/b/two.bin": 0, "c/three.bin": 70_000}
        digests = {}
        for rel, size in files.items():
            digests[rel] = harness.sha256_file(str(self.local_file(f"tree/{rel}", size)))

        up = self.prefix + "up"  # no trailing '/': the prefix is a directory all the same
        self.ok("cp", "--recursive", str(tree), self.url(up))
        for rel, digest in digests.items():
            self.assert_object(f"{up}/{rel}", digest)

        self.ok("cp", "-r", self.url(up + "/"), self.url(self.prefix + "copy/"))
        for rel, digest in digests.items():
            self.assert_object(f"{self.prefix}copy/{rel}", digest)

        down = self.tmp / "down"
        self.ok("cp", "--recursive", self.url(self.prefix + "copy"), str(down))
        for rel, digest in digests.items():
            self.assertEqual(harness.sha256_file(str(down / rel)), digest, rel)
        self.assertEqual(sorted(str(p.relative_to(down)) for p in down.rglob("*") if p.is_file()),
                         sorted(files))

        local = self.tmp / "local"
        self.ok("cp", "--recursive", str(tree), str(local))
        for rel, digest in digests.items():
            self.assertEqual(harness.sha256_file(str(local / rel)), digest, rel)

        doc = json.loads(self.ok("--json", "cp", "-r", str(tree), self.url(self.prefix + "json/")))
        self.assertEqual(sorted(r["destination"] for r in doc["results"]),
                         sorted(self.url(f"{self.prefix}json/{rel}") for rel in files))

    # --- rm ----------------------------------------------------------------------------------------------

    def test_rm_single_and_recursive(self):
        for key in ("keep", "gone/1", "gone/2/3", "gone-not-a-child"):
            self.s3.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=b"x")
        self.ok("rm", self.url(self.prefix + "keep"))
        out = self.ok("rm", "--recursive", self.url(self.prefix + "gone"))
        self.assertEqual(len(out.splitlines()), 2, out)
        left = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix).get("Contents", [])
        self.assertEqual([o["Key"] for o in left], [self.prefix + "gone-not-a-child"])

    # --- awkward keys ------------------------------------------------------------------------------------

    def test_awkward_keys_round_trip(self):
        for name in self.KEYS:
            with self.subTest(key=name):
                key = self.prefix + name
                data = os.urandom(3000)
                self.ok("put", "-", self.url(key), stdin=data)
                self.assertEqual(self.object_bytes(key), data)  # stored under exactly this key
                self.assertEqual(sha256(self.ok("cat", self.url(key))), sha256(data))
                self.assertEqual(json.loads(self.ok("--json", "stat", self.url(key)))["size"], len(data))
                listed = json.loads(self.ok("--json", "ls", "-r", self.url(self.prefix)))["objects"]
                self.assertIn(key, [o["key"] for o in listed])
                dest = self.tmp / "awkward.out"
                self.ok("get", self.url(key), str(dest))
                self.assertEqual(dest.read_bytes(), data)
                self.ok("cp", self.url(key), self.url(key + ".copy"))
                self.assertEqual(self.object_bytes(key + ".copy"), data)
                self.ok("rm", self.url(key))
                self.ok("rm", self.url(key + ".copy"))
                self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket=self.bucket, Prefix=key))

    def test_presign_is_one_url(self):
        key = self.prefix + "signed"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"hello")
        out = self.ok("presign", "--expires", "600", self.url(key)).decode()
        self.assertEqual(len(out.splitlines()), 1)
        self.assertTrue(out.startswith(self.env["S3_ENDPOINT"]), out)
        self.assertIn("X-Amz-Expires=600", out)
        self.assertIn("X-Amz-Signature=", out)


class S3rverCliBasic(CliBasic, unittest.TestCase):
    SERVER = "s3rver"
    KEYS = PORTABLE_KEYS + S3RVER_ONLY_KEYS


class MotoCliBasic(CliBasic, unittest.TestCase):
    SERVER = "moto"


if __name__ == "__main__":
    unittest.main()
