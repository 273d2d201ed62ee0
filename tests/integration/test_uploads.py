"""uploads ls|abort: multipart uploads left open by any tool, listed (by prefix, by age) and aborted; rb
--force empties a bucket of objects and open uploads before removing it; and a bench against a bucket
that does not exist stops at once.
"""
import time

import harness


class UploadsMixin:
    def setUp(self):
        super().setUp()
        self.bucket = self.make_bucket()

    def ok(self, *args):
        res = self.cli("--no-progress", *args, timeout=120)
        self.assertCliOk(res)
        return res

    def open_uploads(self):
        """(key, upload id) of every open upload, as boto3 lists them."""
        doc = self.s3.list_multipart_uploads(Bucket=self.bucket)
        return sorted((u["Key"], u["UploadId"]) for u in doc.get("Uploads", []))

    def start_uploads(self, keys):
        return sorted((k, self.s3.create_multipart_upload(Bucket=self.bucket, Key=k)["UploadId"]) for k in keys)

    def test_ls_and_abort(self):
        # Keys without '/': moto refuses '/' in a listing prefix when it checks signatures.
        started = self.start_uploads(["upa", "upb", "other"])
        listed = self.ok("uploads", "ls", f"s3://{self.bucket}").stdout.decode().splitlines()
        self.assertEqual(sorted((line.split()[3], line.split()[2]) for line in listed), started)
        if self.SERVER == "minio":
            # MinIO lists the uploads of one key, the prefix taken whole: "up" names none.
            self.ok("uploads", "abort", f"s3://{self.bucket}/other")
            self.assertEqual([k for k, _ in self.open_uploads()], ["upa", "upb"])
            return
        by_prefix = self.ok("uploads", "ls", f"s3://{self.bucket}/up").stdout.decode().splitlines()
        self.assertEqual(sorted(line.split()[3] for line in by_prefix), ["upa", "upb"])

        res = self.ok("uploads", "abort", f"s3://{self.bucket}/up")
        self.assertEqual(sorted(res.stdout.decode().splitlines()),
                         sorted(f"abort_upload: s3://{self.bucket}/{k} (upload {u})" for k, u in started if k != "other"))
        self.assertEqual([k for k, _ in self.open_uploads()], ["other"])

    def test_older_than(self):
        if self.SERVER == "moto":
            self.skipTest("moto dates every upload 2010-11-10")
        self.start_uploads(["fresh"])
        self.assertEqual(self.ok("uploads", "ls", f"s3://{self.bucket}", "--older-than", "1h").stdout, b"")
        self.ok("uploads", "abort", f"s3://{self.bucket}", "--older-than", "1h")
        self.assertEqual([k for k, _ in self.open_uploads()], ["fresh"])
        time.sleep(2)
        self.ok("uploads", "abort", f"s3://{self.bucket}", "--older-than", "1s")
        self.assertEqual(self.open_uploads(), [])
        bad = self.cli("uploads", "ls", f"s3://{self.bucket}", "--older-than", "soon")
        self.assertEqual(bad.rc, 2, bad.describe())

    def test_rb_force_empties_then_removes(self):
        bucket = harness.unique_name("raws3-rb")
        self.s3.create_bucket(Bucket=bucket)
        for i in range(1005):  # more than one DeleteObjects batch and one listing page
            self.s3.put_object(Bucket=bucket, Key=f"k{i:04}", Body=b"x")
        self.s3.create_multipart_upload(Bucket=bucket, Key="open")
        plain = self.cli("rb", f"s3://{bucket}")
        self.assertEqual(plain.rc, 1, plain.describe())
        self.assertIn("BucketNotEmpty", plain.stderr)
        res = self.ok("--quiet", "rb", "--force", f"s3://{bucket}")
        self.assertEqual(res.stdout, b"")
        self.assertNotIn(bucket, [b["Name"] for b in self.s3.list_buckets()["Buckets"]])

    def test_bench_against_a_missing_bucket_stops_at_once(self):
        started = time.monotonic()
        res = self.cli("bench", "put", "--bucket", harness.unique_name("raws3-none"), "--duration", "30s")
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("NoSuchBucket", res.stderr)
        self.assertLess(time.monotonic() - started, 20, "the run went on against a bucket that is not there")


harness.server_variants(UploadsMixin, ["moto", "rgw", "minio"], globals())

if __name__ == "__main__":
    harness.main()
