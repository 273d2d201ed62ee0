"""What the objects a command creates carry: a Content-Type guessed from the file name (awscli's rule) or
given, metadata, storage class, Cache-Control and Content-Encoding; copies within S3 keep the source's
unless --metadata-directive REPLACE; and a server-side copy above RAWS3_COPY_THRESHOLD runs as a multipart
upload of UploadPartCopy ranges that carries the bytes (SHA-256) and the metadata over exactly.
"""
import harness
from harness import MiB

# Small enough that a 12 MiB object is copied in three parts.
PARTED = {"RAWS3_COPY_THRESHOLD": "5MiB", "RAWS3_COPY_PART_SIZE": "5MiB"}


class AttributesMixin:
    def setUp(self):
        super().setUp()
        self.bucket = self.make_bucket()

    def ok(self, *args, extra_env=None):
        res = self.cli("--no-progress", *args, timeout=120, extra_env=extra_env)
        self.assertCliOk(res)
        return res

    def head(self, key):
        return self.s3.head_object(Bucket=self.bucket, Key=key)

    def test_content_type_guessed_given_or_left_to_the_server(self):
        tree = self.tmp / "site"
        tree.mkdir()
        for name in ("index.html", "style.CSS", "data.json", "notes"):
            (tree / name).write_text("x")
        self.ok("cp", "-r", str(tree), self.url("site/"))
        self.assertEqual(self.head("site/index.html")["ContentType"], "text/html")
        self.assertEqual(self.head("site/style.CSS")["ContentType"], "text/css")
        self.assertEqual(self.head("site/data.json")["ContentType"], "application/json")
        default = self.head("site/notes")["ContentType"]
        self.assertNotIn(default, ("text/html", "text/css"))
        self.ok("put", str(tree / "index.html"), self.url("given.html"), "--content-type", "text/plain")
        self.assertEqual(self.head("given.html")["ContentType"], "text/plain")
        self.ok("cp", "--no-guess-mime-type", str(tree / "index.html"), self.url("unguessed.html"))
        self.assertEqual(self.head("unguessed.html")["ContentType"], default)

    def test_cache_control_encoding_and_metadata(self):
        src = self.tmp / "page.html.gz"
        src.write_bytes(b"\x1f\x8b not really")
        self.ok("cp", str(src), self.url("page"), "--cache-control", "max-age=60", "--content-encoding", "gzip",
                "--metadata", "origin=test")
        head = self.head("page")
        self.assertEqual(head["CacheControl"], "max-age=60")
        self.assertEqual(head["ContentEncoding"], "gzip")
        self.assertEqual(head["Metadata"], {"origin": "test"})

    def test_copies_keep_the_source_unless_replaced(self):
        self.s3.put_object(Bucket=self.bucket, Key="src", Body=b"body", ContentType="text/csv",
                           Metadata={"kept": "yes"})
        self.ok("cp", self.url("src"), self.url("kept"))
        self.assertEqual((self.head("kept")["ContentType"], self.head("kept")["Metadata"]), ("text/csv", {"kept": "yes"}))
        refused = self.cli("cp", self.url("src"), self.url("x"), "--content-type", "text/plain")
        self.assertEqual(refused.rc, 2, refused.describe())
        self.assertIn("--metadata-directive REPLACE", refused.stderr)
        self.ok("cp", self.url("src"), self.url("replaced"), "--metadata-directive", "REPLACE",
                "--content-type", "text/plain", "--metadata", "new=1")
        self.assertEqual((self.head("replaced")["ContentType"], self.head("replaced")["Metadata"]),
                         ("text/plain", {"new": "1"}))

    def test_a_copy_above_the_threshold_runs_in_parts(self):
        data = harness.random_bytes(12 * MiB + 5)
        self.s3.put_object(Bucket=self.bucket, Key="big", Body=data, ContentType="application/x-big",
                           Metadata={"size": "large"})
        self.ok("cp", self.url("big"), self.url("copied"), extra_env=PARTED)
        copied = self.s3.get_object(Bucket=self.bucket, Key="copied")
        self.assertEqual(harness.sha256_bytes(copied["Body"].read()), harness.sha256_bytes(data))
        self.assertTrue(copied["ETag"].strip('"').endswith("-3"), copied["ETag"])  # three UploadPartCopy parts
        self.assertEqual((copied["ContentType"], copied["Metadata"]), ("application/x-big", {"size": "large"}))
        # Through the transfer queue (a wildcard), and as a move, which must keep nothing behind.
        self.ok("mv", self.url("cop*"), self.url("moved/"), extra_env=PARTED)
        self.assertEqual(harness.sha256_bytes(self.s3.get_object(Bucket=self.bucket, Key="moved/copied")["Body"].read()),
                         harness.sha256_bytes(data))
        self.assertEqual(self.keys(""), ["big", "moved/copied"])
        self.assertEqual(self.s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", []), [])


class StorageClassMixin:
    def test_storage_class(self):
        bucket = self.make_bucket()
        src = self.tmp / "cold"
        src.write_bytes(b"cold")
        res = self.cli("put", str(src), f"s3://{bucket}/cold", "--storage-class", "STANDARD_IA")
        self.assertCliOk(res)
        self.assertEqual(self.s3.head_object(Bucket=bucket, Key="cold")["StorageClass"], "STANDARD_IA")
        self.assertCliOk(self.cli("cp", f"s3://{bucket}/cold", f"s3://{bucket}/colder", "--storage-class", "GLACIER_IR"))
        self.assertEqual(self.s3.head_object(Bucket=bucket, Key="colder")["StorageClass"], "GLACIER_IR")


# s3rver stores no Cache-Control; moto refuses '/' in listing prefixes, so it runs the storage classes only.
harness.server_variants(AttributesMixin, ["rgw", "minio"], globals())
harness.server_variants(StorageClassMixin, ["moto"], globals())

if __name__ == "__main__":
    harness.main()
