#!/usr/bin/env python3
"""Downloads checked end to end against the server's checksums.

The fault server (tests/fault_server/fault_s3.py) answers checksums as S3 does: a whole-object GET the
object's (composite "<crc>-<parts>" after a multipart upload with part checksums), a partNumber GET its
part's, a ranged GET none. Three objects take the three ways s3-cli has to verify: 1 MiB (one request,
checked against the object's CRC32C), 40 MiB uploaded in 8 MiB parts (fetched part by part, each checked
against its own) and 40 MiB in one PutObject (concurrent ranges whose CRCs combine into the object's).

For each: a byte flipped once is fetched again and the file ends exact; a byte flipped on every answer
ends with exit 1, the mismatch named and no file left, to a file or to stdout. An answer shorter than the
range it announces is asked again for the rest. --checksum-mode required refuses an object the server
holds no checksum for; off asks for none and checks nothing. Against MinIO: objects uploaded by s3-cli
(whole and composite checksums) download under --checksum-mode required, by partNumber for the
multipart one; an object stored without a checksum is refused under it.
"""
import os
import tempfile
import unittest

import fault_server
import harness

MiB = 1 << 20
BUCKET = "verified"
# Attempts and the idle timeout are kept small so that failures come quickly.
TUNING = {"RAWS3_MAX_ATTEMPTS": "3", "RAWS3_TIMEOUT_MS": "2000"}
MISMATCH = r"(do not match their|does not match its) checksum: the server says CRC32C"


class VerifiedDownloads(fault_server.FaultServerTestCase):
    BUCKET = BUCKET

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {"small": harness.random_bytes(1 * MiB, seed=1), "multipart": harness.random_bytes(40 * MiB, seed=2),
                    "single": harness.random_bytes(40 * MiB, seed=3)}
        cls.server.put(BUCKET, "small", cls.data["small"])
        cls.server.put(BUCKET, "single", cls.data["single"])
        with tempfile.NamedTemporaryFile() as src:
            src.write(cls.data["multipart"])
            src.flush()
            res = cls.cli_of(cls.server, "--part-size", "8MiB", "put", src.name, f"s3://{BUCKET}/multipart")
            assert res.rc == 0, res.describe()

    @staticmethod
    def cli_of(server, *args, **extra_env):
        return harness.run_cli(*args, env=server.env, global_args=True, extra_env=dict(TUNING, **extra_env),
                               timeout=120)

    def cli(self, *args, **extra_env):
        return self.cli_of(self.server, *args, **extra_env)

    def get(self, key, *flags, **extra_env):
        """s3-cli get of key into an empty directory: (result, destination path)."""
        dest = self.tmp / "out" / key
        dest.parent.mkdir(exist_ok=True)
        return self.cli(*flags, "get", f"s3://{BUCKET}/{key}", str(dest), **extra_env), dest

    def gets(self):
        return [e for e in self.server.log() if e["op"] == "GetObject"]

    def assert_exact(self, res, dest, key):
        self.assertEqual(res.rc, 0, res.describe())
        self.assertEqual(harness.sha256_file(str(dest)), harness.sha256_bytes(self.data[key]))

    def assert_failed(self, res, pattern, dest):
        self.assertEqual(res.rc, 1, res.describe())
        lines = [line for line in res.stderr.splitlines() if line.strip()]
        self.assertRegex(lines[-1], r"^s3-cli: get ")
        self.assertRegex(lines[-1], pattern)
        self.assertEqual(sorted(os.listdir(dest.parent)), [], "a partial file was left")

    def test_what_each_object_is_fetched_with(self):
        # Whole-object GETs for the small one; after the composite answer, the multipart one's five parts
        # by number; after the whole-object answer, the single one in 8 MiB ranges, none by number.
        expected = {"small": 1, "multipart": 1 + 5, "single": 1 + 5}
        for key, count in expected.items():
            with self.subTest(key=key):
                self.server.clear_log()
                res, dest = self.get(key, "--part-size", "8MiB")
                self.assert_exact(res, dest, key)
                self.assertEqual(len(self.gets()), count)

    def test_a_flipped_byte_is_fetched_again(self):
        # The multipart and single objects' first answer is given up once its head shows the plan: the
        # flip goes to the answer after it.
        for key, skip, again in (("small", 0, 1), ("multipart", 1, 1), ("single", 1, 5)):
            with self.subTest(key=key):
                self.server.arm("GetObject", "flip_byte", count=1, skip=skip, key=key)
                self.server.clear_log()
                res, dest = self.get(key, "--part-size", "8MiB")
                self.assert_exact(res, dest, key)
                self.assertEqual(self.faults_served("flip_byte"), 1)
                notices = [line for line in res.stderr.splitlines() if line.strip()]
                self.assertEqual(len(notices), 1, res.describe())
                self.assertRegex(notices[0], r"^s3-cli: warning: .*" + MISMATCH + r".*; fetching (them|it) again$")
                # The small object's one request again; a part again; every range again (which one was
                # wrong, the combined CRC cannot tell).
                plain = {"small": 1, "multipart": 6, "single": 6}[key]
                self.assertEqual(len(self.gets()), plain + again)

    def test_a_byte_flipped_on_every_answer_fails_and_leaves_nothing(self):
        for key in self.data:
            with self.subTest(key=key):
                self.server.arm("GetObject", "flip_byte", count=-1, key=key)
                res, dest = self.get(key, "--part-size", "8MiB")
                self.assert_failed(res, MISMATCH, dest)
                self.server.disarm()

    def test_to_stdout_a_mismatch_is_exit_1(self):
        # Bytes written to a pipe cannot be taken back, so no second fetch: the exit code says it.
        for key in self.data:
            with self.subTest(key=key):
                self.server.arm("GetObject", "flip_byte", count=-1, key=key)
                res = self.cli("--part-size", "8MiB", "get", f"s3://{BUCKET}/{key}", "-")
                self.assertEqual(res.rc, 1, res.describe())
                self.assertRegex(res.stderr.splitlines()[-1], r"^s3-cli: get .*" + MISMATCH)
                self.assertNotEqual(harness.sha256_bytes(res.stdout), harness.sha256_bytes(self.data[key]))
                self.server.disarm()
                res = self.cli("--part-size", "8MiB", "get", f"s3://{BUCKET}/{key}", "-")
                self.assertEqual(res.rc, 0, res.describe())
                self.assertEqual(harness.sha256_bytes(res.stdout), harness.sha256_bytes(self.data[key]))

    def test_a_server_that_ignores_part_numbers_gets_ranges(self):
        # Part 1's answer is the whole object: the composite checksum cannot be checked part by part, so
        # the object comes as ranges, unchecked; `required` refuses it.
        self.server.arm("GetObject", "ignore_part_number", count=-1, key="multipart")
        res, dest = self.get("multipart", "--part-size", "8MiB")
        self.assert_exact(res, dest, "multipart")
        # The whole-object answer and part 1's, both given up at their heads, then five ranges.
        self.assertEqual(len(self.gets()), 2 + 5)
        dest.unlink()
        res, dest = self.get("multipart", "--part-size", "8MiB", "--checksum-mode", "required")
        self.assert_failed(res, r"the server ignores partNumber, so the object's composite checksum cannot be "
                                r"checked part by part \(CRC32C\).*'required'", dest)

    def test_an_answer_shorter_than_its_range_is_asked_again_for_the_rest(self):
        # Content-Range says 8 MiB, Content-Length (and the body) half of it: the rest is a new request.
        self.server.arm("GetObject", "short_body", count=1, key="multipart", skip=1)
        res, dest = self.get("multipart", "--part-size", "8MiB")
        self.assert_exact(res, dest, "multipart")
        self.assertEqual(self.faults_served("short_body"), 1)
        dest.unlink()
        self.server.arm("GetObject", "short_body", count=-1, key="multipart")
        res, dest = self.get("multipart", "--part-size", "8MiB")
        self.assert_failed(res, r"ended after \d+ of them .*\(3 attempts over ", dest)

    def test_s3s_own_crc64nvme_is_checked_whole_and_combined(self):
        # What S3 stores for an object uploaded without a checksum: a whole-object CRC64NVME. 1 MiB in one
        # request, 40 MiB as 8 MiB ranges whose CRC-64s combine.
        for name, size in (("crc64-small", MiB), ("crc64-large", 40 * MiB)):
            with self.subTest(name=name):
                data = self.data["small" if size == MiB else "single"]
                self.server.put(BUCKET, name, data, {"x-amz-checksum-algorithm": "CRC64NVME"})
                self.server.arm("GetObject", "flip_byte", count=1, key=name, skip=0 if size == MiB else 1)
                res, dest = self.get(name, "--part-size", "8MiB", "--checksum-mode", "required")
                self.assertEqual(res.rc, 0, res.describe())
                self.assertEqual(harness.sha256_file(str(dest)), harness.sha256_bytes(data))
                self.assertRegex(res.stderr, r"checksum: the server says CRC64NVME .*; fetching (them|it) again")
                self.server.arm("GetObject", "flip_byte", count=-1, key=name)
                dest.unlink()
                res, dest = self.get(name, "--part-size", "8MiB")
                self.assert_failed(res, r"checksum: the server says CRC64NVME", dest)
                self.server.disarm()

    def test_required_refuses_an_object_without_a_checksum(self):
        self.server.arm("GetObject", "no_checksum", count=-1, key="small")
        res, dest = self.get("small", "--checksum-mode", "required")
        self.assert_failed(res, r"IntegrityError|no checksum this client computes .*'required'", dest)
        res, dest = self.get("small")  # when-available: nothing to check against, the bytes as they come
        self.assert_exact(res, dest, "small")
        dest.unlink()
        res, dest = self.get("small", RAWS3_CHECKSUM_MODE="required")
        self.assert_failed(res, r"'required'", dest)

    def test_off_checks_nothing(self):
        self.server.arm("GetObject", "flip_byte", count=-1, key="small")
        res, dest = self.get("small", "--checksum-mode", "off")
        self.assertEqual(res.rc, 0, res.describe())
        self.assertNotEqual(harness.sha256_file(str(dest)), harness.sha256_bytes(self.data["small"]))

    def test_a_bad_mode_is_a_usage_error(self):
        res = self.cli("--checksum-mode", "sometimes", "get", f"s3://{BUCKET}/small", str(self.tmp / "x"))
        self.assertEqual(res.rc, 2, res.describe())
        self.assertIn("--checksum-mode", res.stderr)
        res, _ = self.get("small", RAWS3_CHECKSUM_MODE="sometimes")
        self.assertNotEqual(res.rc, 0, res.describe())
        self.assertIn("RAWS3_CHECKSUM_MODE", res.stderr)


class VerifiedDownloads_minio(harness.ServerTestCase):
    SERVER = "minio"

    def test_required_passes_for_what_s3_cli_uploads_and_refuses_the_unchecked(self):
        prefix = self.prefix()
        cases = {"small": (1 * MiB, "crc32c"), "multipart": (24 * MiB, "crc32c"), "unchecked": (1 * MiB, "none")}
        for name, (size, checksum) in cases.items():
            data = harness.random_bytes(size, seed=size)
            src = self.tmp / name
            src.write_bytes(data)
            uri = f"s3://{self.bucket}/{prefix}{name}"
            res = harness.run_cli("--checksum", checksum, "--part-size", "8MiB", "put", str(src), uri, env=self.env,
                                  global_args=True)
            self.assertEqual(res.rc, 0, res.describe())
            dest = self.tmp / "out" / name
            dest.parent.mkdir(exist_ok=True)
            res = harness.run_cli("--checksum-mode", "required", "--debug", "get", uri, str(dest), env=self.env,
                                  global_args=True)
            if checksum == "none":
                self.assertEqual(res.rc, 1, res.describe())
                self.assertRegex(res.stderr.splitlines()[-1], r"no checksum this client computes.*'required'")
                self.assertFalse(dest.exists())
                continue
            self.assertEqual(res.rc, 0, res.describe())
            self.assertEqual(harness.sha256_file(str(dest)), harness.sha256_bytes(data))
            parts = [line for line in res.stderr.splitlines() if "?partNumber=" in line]
            self.assertEqual(len(parts), 3 if name == "multipart" else 0, res.stderr)


if harness.left_out("minio"):
    del VerifiedDownloads_minio

if __name__ == "__main__":
    unittest.main()
