"""README's library example, exactly as printed, built the way README says against the installed library
(meson install, then g++ with pkg-config's flags) and run against s3rver.

Every ```cpp block of README.md is a whole program: each must compile warning-free and, run where
notes.txt holds known bytes, print their size and ETag from the blocking calls and again from the
callback.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

import harness

BUILD = Path(os.environ.get("RAWS3_BUILD_DIR") or harness.REPO / "build")
BUCKET = "my-bucket"  # the README's


def readme_programs():
    text = (harness.REPO / "README.md").read_text()
    return re.findall(r"```cpp\n(.*?)```", text, flags=re.S)


class ReadmeExample(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.server_env("s3rver")
        cls.tmp = Path(tempfile.mkdtemp(prefix="raws3-readme-"))
        cls.destdir = cls.tmp / "root"
        # README's `ninja -C build install`, into a directory of our own.
        subprocess.run(["meson", "install", "-C", str(BUILD), "--no-rebuild", "--quiet", "--destdir",
                        str(cls.destdir)], check=True, capture_output=True)
        pcs = list(cls.destdir.rglob("raws3.pc"))
        assert len(pcs) == 1, f"meson install left {pcs}"
        cls.pkgconfig_dir = pcs[0].parent
        cls.libdir = next(cls.destdir.rglob("libraws3.so")).parent

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def pkg_config(self, *args):
        env = dict(os.environ, PKG_CONFIG_PATH=str(self.pkgconfig_dir), PKG_CONFIG_SYSROOT_DIR=str(self.destdir))
        return subprocess.run(["pkg-config", *args, "raws3"], env=env, check=True, capture_output=True,
                              text=True).stdout.split()

    def test_the_readme_programs_build_and_run(self):
        programs = readme_programs()
        self.assertTrue(programs, "README.md has no ```cpp block")
        s3 = harness.boto3_client(self.env)
        try:
            s3.create_bucket(Bucket=BUCKET)
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        except s3.exceptions.ClientError as e:
            if "BucketAlreadyExists" not in str(e):
                raise
        flags = self.pkg_config("--cflags", "--libs")
        for i, program in enumerate(programs):
            with self.subTest(block=i):
                work = self.tmp / f"app{i}"
                work.mkdir()
                (work / "app.cpp").write_text(program)
                build = subprocess.run(["g++", "-std=c++20", "-Wall", "-Wextra", "-Werror", "app.cpp", *flags,
                                        "-o", "app"], cwd=work, capture_output=True, text=True)
                self.assertEqual(build.returncode, 0, f"README block {i} does not build:\n{build.stderr}")
                notes = harness.random_bytes(200_000, seed=f"readme{i}")
                (work / "notes.txt").write_bytes(notes)
                env = harness.cli_env(self.env, {"AWS_ENDPOINT_URL": self.env["S3_ENDPOINT"],
                                                 "LD_LIBRARY_PATH": str(self.libdir)})
                run = subprocess.run(["./app"], cwd=work, env=env, capture_output=True, text=True, timeout=60)
                self.assertEqual(run.returncode, 0, f"exit {run.returncode}\n{run.stdout}\n{run.stderr}")
                etag = s3.head_object(Bucket=BUCKET, Key="notes.txt")["ETag"]
                self.assertEqual(etag.strip('"'), hashlib.md5(notes).hexdigest())
                self.assertEqual(run.stdout.splitlines(),
                                 [f"{len(notes)} bytes, ETag {etag}", f"callback: {len(notes)} bytes"])


if __name__ == "__main__":
    harness.main()
