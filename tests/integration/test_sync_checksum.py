"""sync --checksum: files and objects of the same size are compared by the CRC32C the server stored with the
object (of the whole object, or a multipart upload's composite, computed again along the object's own part
layout), never by time. Edits that keep a file's size and time, which sync's usual rule cannot see, are
copied; everything else is left alone, in every direction. Against the fault server (which also serves
part GETs and HEADs) and MinIO; bytes are checked by SHA-256.
"""
import os
import time

import fault_server
import harness

MiB = harness.MiB


def lines_of(output, op):
    return sorted(line for line in output.decode().splitlines() if line.startswith(op + ":"))


class SyncChecksumMixin:
    # The subclass sets self.s3 (boto3), self.bucket, and run_cli(*args).

    def setUp(self):
        super().setUp()
        self.tree = self.tmp / "tree"

    def sync(self, *args):
        res = self.run_cli("--no-progress", "--part-size", "5MiB", "sync", *args)
        if res.rc != 0:
            self.fail("s3-cli failed:\n" + res.describe())
        return res

    def url(self, key):
        return f"s3://{self.bucket}/{key}"

    def write(self, root, rel, size, seed):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        harness.random_file(path, size, seed=seed)
        then = time.time() - 3600  # older than any object made from it
        os.utime(path, (then, then))
        return path

    def flip(self, path, offset):
        """One byte changed; the size and the times stay as they were."""
        st = path.stat()
        with open(path, "r+b") as f:
            f.seek(offset)
            byte = f.read(1)[0]
            f.seek(offset)
            f.write(bytes([byte ^ 0xFF]))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    def assert_same(self, key, path):
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        self.assertEqual(harness.sha256_bytes(body), harness.sha256_file(path), key)

    def stored_checksum(self, key):
        return self.s3.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED").get("ChecksumCRC32C", "")

    def make_tree(self, prefix):
        files = {"small.bin": 1000, "d/multi.bin": 12 * MiB, "d/same.bin": 3000, "empty": 0}
        for i, (rel, size) in enumerate(files.items()):
            self.write(self.tree, rel, size, seed=f"{prefix}{i}")
        first = self.sync(str(self.tree), self.url(prefix))
        self.assertEqual(len(lines_of(first.stdout, "upload")), len(files))
        # 12 MiB in 5 MiB parts: the server holds a composite of three parts' CRC32Cs.
        self.assertRegex(self.stored_checksum(prefix + "d/multi.bin"), r"^[A-Za-z0-9+/]{6}==-3$")
        return files

    def test_up_copies_the_same_size_edits_that_time_cannot_see(self):
        files = self.make_tree("up/")
        self.flip(self.tree / "small.bin", 500)
        self.flip(self.tree / "d/multi.bin", 7 * MiB)  # in the second part
        self.assertEqual(self.sync(str(self.tree), self.url("up/")).stdout, b"")  # same sizes, older files
        res = self.sync("--checksum", str(self.tree), self.url("up/"))
        self.assertEqual(lines_of(res.stdout, "upload"),
                         [f"upload: {self.tree / 'd/multi.bin'} to {self.url('up/d/multi.bin')}",
                          f"upload: {self.tree / 'small.bin'} to {self.url('up/small.bin')}"])
        for rel in files:
            self.assert_same("up/" + rel, self.tree / rel)
        self.assertEqual(self.sync("--checksum", str(self.tree), self.url("up/")).stdout, b"")

    def test_down_copies_the_same_size_edits_that_time_cannot_see(self):
        files = self.make_tree("down/")
        down = self.tmp / "down"
        self.assertEqual(len(lines_of(self.sync(self.url("down/"), str(down)).stdout, "download")), len(files))
        self.flip(down / "d/multi.bin", 11 * MiB)  # in the last, shorter part
        self.assertEqual(self.sync(self.url("down/"), str(down)).stdout, b"")
        res = self.sync("--checksum", self.url("down/"), str(down))
        self.assertEqual(lines_of(res.stdout, "download"),
                         [f"download: {self.url('down/d/multi.bin')} to {down / 'd/multi.bin'}"])
        for rel in files:
            self.assert_same("down/" + rel, down / rel)
        self.assertEqual(self.sync("--checksum", self.url("down/"), str(down)).stdout, b"")

    def test_parts_of_other_sizes_are_laid_out_as_the_server_has_them(self):
        # 6, 5 and 7 MiB: part 1's size alone does not tell the layout, so every part's size is asked for.
        sizes = [6 * MiB, 5 * MiB, 7 * MiB]
        data = harness.random_bytes(sum(sizes), seed="layout")
        key = "layout/odd.bin"
        upload = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key, ChecksumAlgorithm="CRC32C")
        parts, at = [], 0
        for n, size in enumerate(sizes, 1):
            chunk = data[at:at + size]
            at += size
            crc = fault_server.checksum("crc32c", chunk)
            etag = self.s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload["UploadId"], PartNumber=n,
                                       Body=chunk, ChecksumCRC32C=crc)["ETag"]
            parts.append({"PartNumber": n, "ETag": etag, "ChecksumCRC32C": crc})
        self.s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload["UploadId"],
                                          MultipartUpload={"Parts": parts})
        self.assertRegex(self.stored_checksum(key), r"-3$")
        local = self.tmp / "layout"
        local.mkdir()
        (local / "odd.bin").write_bytes(data)
        then = time.time() - 3600
        os.utime(local / "odd.bin", (then, then))

        self.assertEqual(self.sync("--checksum", str(local), self.url("layout/")).stdout, b"")
        self.flip(local / "odd.bin", 6 * MiB + 1)
        res = self.sync("--checksum", str(local), self.url("layout/"))
        self.assertEqual(lines_of(res.stdout, "upload"), [f"upload: {local / 'odd.bin'} to {self.url(key)}"])
        self.assert_same(key, local / "odd.bin")

    def test_between_prefixes_by_the_stored_values(self):
        for i, size in enumerate((2000, 6 * MiB)):
            self.write(self.tree, f"k{i}", size, seed=f"s3s3-{i}")
        self.sync(str(self.tree), self.url("src/"))
        self.assertEqual(len(lines_of(self.sync(self.url("src/"), self.url("dst/")).stdout, "copy")), 2)
        # The destination rewritten at its size: newer than its source, so the time rule leaves it.
        other = self.write(self.tmp, "other", 2000, seed="other")
        put = self.run_cli("put", str(other), self.url("dst/k0"))
        self.assertEqual(put.rc, 0, put.describe())
        self.assertEqual(self.sync(self.url("src/"), self.url("dst/")).stdout, b"")
        res = self.sync("--checksum", self.url("src/"), self.url("dst/"))
        self.assertEqual(lines_of(res.stdout, "copy"), [f"copy: {self.url('src/k0')} to {self.url('dst/k0')}"])
        self.assert_same("dst/k0", self.tree / "k0")

    def test_checksum_excludes_the_time_rules(self):
        for flag in ("--size-only", "--exact-timestamps"):
            res = self.run_cli("sync", "--checksum", flag, str(self.tmp), self.url("x/"))
            self.assertEqual(res.rc, 2, res.describe())


class SyncChecksum_fault(SyncChecksumMixin, fault_server.FaultServerTestCase):
    def setUp(self):
        super().setUp()
        self.bucket = self.BUCKET
        self.s3 = harness.boto3_client(self.server.env)

    def run_cli(self, *args):
        return harness.run_cli(*args, env=self.server.env, global_args=True, timeout=300)

    def test_an_object_without_a_checksum_is_copied(self):
        # What another tool stored with no checksum at all: nothing to compare, so sync copies it, and the
        # copy then has one.
        self.write(self.tree, "plain.bin", 4000, seed="plain")
        self.sync(str(self.tree), self.url("plain/"))
        self.server.arm("HeadObject", "no_checksum", count=1)
        res = self.sync("--checksum", str(self.tree), self.url("plain/"))
        self.assertEqual(lines_of(res.stdout, "upload"),
                         [f"upload: {self.tree / 'plain.bin'} to {self.url('plain/plain.bin')}"])
        self.assertEqual(self.sync("--checksum", str(self.tree), self.url("plain/")).stdout, b"")


class SyncChecksum_minio(SyncChecksumMixin, harness.ServerTestCase):
    SERVER = "minio"

    def setUp(self):
        super().setUp()
        self.bucket = self.make_bucket()

    def run_cli(self, *args):
        return self.cli(*args, timeout=300)


if harness.left_out("minio"):
    del SyncChecksum_minio

if __name__ == "__main__":
    harness.main()
