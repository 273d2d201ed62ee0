"""az:// against Azurite: s3-cli's commands on Azure Blob, byte-exact through every path, checked against
what Debian's Azure SDK (azure_sdk.py, under /usr/bin/python3) reads and writes on the same server.

AzureMixin runs in suite 'integration'; AzureLargeMixin (300 MiB each way) in suite 'large'."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (blob_env, main, random_file, run_cli, server_env, sha256_bytes, sha256_file,  # noqa: E402
                     start_cli)

SDK = [os.environ.get("RAWS3_SYSTEM_PYTHON", "/usr/bin/python3"), str(Path(__file__).with_name("azure_sdk.py"))]
MiB = 1 << 20
# Blocks of 5 MiB, the smallest part size: a few MiB make several blocks.
BLOCK = 5 * MiB


class AzureCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = blob_env()
        cls.container = "raws3-" + uuid.uuid4().hex[:12]
        res = cls.az("mb", f"az://{cls.container}")
        assert res.rc == 0, res.describe()

    @classmethod
    def tearDownClass(cls):
        cls.az("rb", "--force", f"az://{cls.container}")

    @classmethod
    def az(cls, *args, extra_env=None, **kw):
        return run_cli("--part-size", str(BLOCK), *args, env=cls.env, extra_env=extra_env, **kw)

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="raws3-azure-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def url(self, name):
        return f"az://{self.container}/{name}"

    def sdk(self, *args):
        out = subprocess.run([*SDK, *map(str, args)], capture_output=True, text=True, timeout=300,
                             env={**os.environ, **self.env})
        self.assertEqual(out.returncode, 0, out.stderr[-3000:])
        return out.stdout.strip()

    def assertOk(self, res):
        self.assertEqual(res.rc, 0, res.describe())
        return res


class AzureMixin:
    def test_round_trips_at_block_edges(self):
        for size in (0, 1, BLOCK - 1, BLOCK + 1, 3 * BLOCK + 7):
            with self.subTest(size=size):
                src = self.tmp / f"up-{size}"
                digest = random_file(src, size)
                self.assertOk(self.az("cp", src, self.url(f"edge/{size}")))
                down = self.tmp / f"down-{size}"
                self.assertOk(self.az("cp", self.url(f"edge/{size}"), down))
                self.assertEqual(sha256_file(down), digest)
                # Through the pipes too: stdin up, stdout down.
                data = src.read_bytes()
                self.assertOk(self.az("cp", "-", self.url(f"edge/{size}.stream"), stdin=data))
                res = self.assertOk(self.az("cp", self.url(f"edge/{size}.stream"), "-"))
                self.assertEqual(sha256_bytes(res.stdout), digest)

    def test_the_sdk_reads_what_we_write_and_we_read_what_it_writes(self):
        src = self.tmp / "ours"
        digest = random_file(src, 2 * BLOCK + 3)
        self.assertOk(self.az("cp", "--content-type", "application/x-raws3", "--metadata", "origin=raws3", src,
                              self.url("sdk/ours.bin")))
        props = json.loads(self.sdk("get", self.container, "sdk/ours.bin", self.tmp / "ours.sdk"))
        self.assertEqual(sha256_file(self.tmp / "ours.sdk"), digest)
        self.assertEqual(props["size"], 2 * BLOCK + 3)
        self.assertIn("BLOCKBLOB", props["blob_type"].upper())
        self.assertEqual(props["content_type"], "application/x-raws3")
        self.assertEqual(props["metadata"], {"origin": "raws3"})
        # 9 MiB: the SDK sends it as blocks of 4 MiB.
        theirs = self.tmp / "theirs"
        their_digest = random_file(theirs, 9 * MiB + 11)
        self.sdk("put", self.container, "sdk/theirs.bin", theirs)
        self.assertOk(self.az("cp", self.url("sdk/theirs.bin"), self.tmp / "theirs.down"))
        self.assertEqual(sha256_file(self.tmp / "theirs.down"), their_digest)
        stat = self.assertOk(self.az("stat", self.url("sdk/theirs.bin"))).stdout.decode()
        self.assertIn(f"size: {9 * MiB + 11}", stat)

    def test_listing_pages_and_delimiter(self):
        names = [f"list/{d}/{i:02d}" for d in ("a", "b", "c") for i in range(8)] + ["list/top"]
        for name in names:
            self.assertOk(self.az("cp", "-", self.url(name), stdin=name.encode()))
        # Pages of 7 keys: every blob listed once, in order, whatever the page boundaries.
        res = self.assertOk(self.az("--page-size", "7", "--json", "ls", "-r", self.url("list/")))
        listed = [o["key"] for o in json.loads(res.stdout)["objects"]]
        self.assertEqual(listed, sorted(names))
        self.assertEqual(json.loads(self.sdk("list", self.container, "list/")), sorted(names))
        top = self.assertOk(self.az("--page-size", "2", "ls", self.url("list/"))).stdout.decode().splitlines()
        self.assertEqual(sorted(line.split()[-1] for line in top), ["a/", "b/", "c/", "top"])
        self.assertEqual(sum(line.split()[0] == "PRE" for line in top), 3)

    def test_copies_and_moves_within_azure(self):
        src = self.tmp / "copy"
        digest = random_file(src, BLOCK + 5)
        self.assertOk(self.az("cp", src, self.url("copy/src")))
        self.assertOk(self.az("cp", self.url("copy/src"), self.url("copy/dst")))
        self.assertOk(self.az("mv", self.url("copy/dst"), self.url("copy/moved")))
        self.assertEqual(self.sdk("exists", self.container, "copy/dst"), "false")
        self.assertOk(self.az("cp", self.url("copy/moved"), self.tmp / "moved"))
        self.assertEqual(sha256_file(self.tmp / "moved"), digest)

    def test_trees_up_down_and_sync(self):
        tree = self.tmp / "tree"
        digests = {}
        for rel, size in (("a/1", 10), ("a/2", BLOCK + 1), ("b/c/3", 0), ("4", 1000)):
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            digests[rel] = random_file(tree / rel, size)
        self.assertOk(self.az("cp", "-r", tree, self.url("tree/")))
        self.assertOk(self.az("cp", "-r", self.url("tree/"), self.tmp / "down"))
        for rel, digest in digests.items():
            self.assertEqual(sha256_file(self.tmp / "down" / rel), digest, rel)
        # sync: nothing to do the second time; a changed file goes again.
        self.assertOk(self.az("sync", tree, self.url("synced/")))
        self.assertEqual(self.assertOk(self.az("sync", tree, self.url("synced/"))).stdout, b"")
        digests["4"] = random_file(tree / "4", 1001)
        out = self.assertOk(self.az("sync", tree, self.url("synced/"))).stdout.decode()
        self.assertEqual(out.count("upload:"), 1, out)
        self.assertOk(self.az("rm", "-r", self.url("synced/")))
        self.assertEqual(json.loads(self.sdk("list", self.container, "synced/")), [])

    def test_copies_between_s3_and_azure_stream_both_ways(self):
        s3 = server_env("s3rver")
        both = {**s3, **self.env}
        src = self.tmp / "cross"
        digest = random_file(src, 2 * BLOCK + 9)
        s3_url = f"s3://{s3['S3_BUCKET']}/{self.container}/cross"
        s3_args = ("--endpoint-url", s3["S3_ENDPOINT"], "--region", s3["AWS_DEFAULT_REGION"], "--part-size", str(BLOCK))
        self.assertOk(run_cli(*s3_args, "cp", src, s3_url, env=both))
        self.assertOk(run_cli(*s3_args, "cp", s3_url, self.url("cross/from-s3"), env=both))
        self.assertOk(run_cli(*s3_args, "cp", self.url("cross/from-s3"), s3_url + ".back", env=both))
        self.assertOk(run_cli(*s3_args, "cp", s3_url + ".back", self.tmp / "cross.back", env=both))
        self.assertEqual(sha256_file(self.tmp / "cross.back"), digest)
        run_cli(*s3_args, "rm", s3_url, env=both)
        run_cli(*s3_args, "rm", s3_url + ".back", env=both)
        # A tree between the two would need two transfer queues: refused, saying what works instead.
        res = run_cli(*s3_args, "cp", "-r", self.url("cross/"), s3_url + "/", env=both)
        self.assertEqual(res.rc, 2, res.describe())
        self.assertIn("cp copies one object at a time", res.stderr)

    def test_errors_name_the_services_code(self):
        wrong = {**self.env, "AZURE_STORAGE_CONNECTION_STRING": self.env["AZURE_STORAGE_CONNECTION_STRING"].replace(
            self.env["AZURE_STORAGE_KEY"], "d3Jvbmcga2V5")}
        res = run_cli("ls", self.url(""), env=wrong)
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("HTTP 403", res.stderr)
        # Azurite says AuthorizationFailure where Azure says AuthenticationFailed: the server's word is shown.
        self.assertTrue("AuthorizationFailure" in res.stderr or "AuthenticationFailed" in res.stderr, res.stderr)
        self.assertIn("authenticate", res.stderr)
        res = self.az("cp", "az://raws3-no-such-container/x", self.tmp / "x")
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("ContainerNotFound (HTTP 404)", res.stderr)
        res = self.az("cp", self.url("no/such/blob"), self.tmp / "y")
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("BlobNotFound (HTTP 404)", res.stderr)
        self.assertEqual(list(self.tmp.iterdir()), [], "a failed download left a file")
        res = self.az("ls", "az://Bad_Name/x")
        self.assertEqual(res.rc, 2, res.describe())
        self.assertIn("invalid container name", res.stderr)
        res = self.az("presign", self.url("x"))
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("SAS", res.stderr)

    def test_rb_keeps_a_container_that_holds_blobs(self):
        other = "raws3-" + uuid.uuid4().hex[:12]
        self.assertOk(self.az("mb", f"az://{other}"))
        self.assertOk(self.az("cp", "-", f"az://{other}/keep", stdin=b"keep"))
        res = self.az("rb", f"az://{other}")
        self.assertEqual(res.rc, 1, res.describe())
        self.assertIn("holds blobs", res.stderr)
        self.assertOk(self.az("rb", "--force", f"az://{other}"))

    def test_a_sas_token_alone_is_enough(self):
        sas = self.sdk("sas", self.container)
        env = {"AZURE_STORAGE_ACCOUNT": self.env["AZURE_STORAGE_ACCOUNT"], "AZURE_STORAGE_SAS_TOKEN": sas}
        src = self.tmp / "sas"
        digest = random_file(src, BLOCK + 2)
        blob_endpoint = ("--blob-endpoint", self.env["AZURE_BLOB_ENDPOINT"])
        self.assertOk(run_cli(*blob_endpoint, "--part-size", str(BLOCK), "cp", src, self.url("sas/x"), env=env))
        self.assertOk(run_cli(*blob_endpoint, "cp", self.url("sas/x"), self.tmp / "sas.down", env=env))
        self.assertEqual(sha256_file(self.tmp / "sas.down"), digest)
        self.assertIn(b"sas/x", self.assertOk(run_cli(*blob_endpoint, "ls", "-r", self.url("sas/"), env=env)).stdout)

    def test_an_interrupted_upload_commits_nothing(self):
        proc = start_cli("--part-size", str(BLOCK), "cp", "-", self.url("interrupted"), env=self.env,
                         stdin=subprocess.PIPE)
        # Three blocks staged, then the source stalls: the upload is under way when the signal comes.
        proc.stdin.write(os.urandom(3 * BLOCK + 100))
        proc.stdin.flush()
        time.sleep(2)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        finally:
            proc.stdin.close() if not proc.stdin.closed else None
        self.assertEqual(proc.returncode, 130, err.decode(errors="replace"))
        self.assertEqual(self.sdk("exists", self.container, "interrupted"), "false")


class AzureLargeMixin:
    def test_300_mib_each_way(self):
        src = self.tmp / "large"
        digest = random_file(src, 300 * MiB)
        self.assertOk(self.az("cp", src, self.url("large/300"), timeout=600))
        src.unlink()
        self.assertOk(self.az("cp", self.url("large/300"), self.tmp / "large.down", timeout=600))
        self.assertEqual(sha256_file(self.tmp / "large.down"), digest)
        props = json.loads(self.sdk("get", self.container, "large/300", self.tmp / "large.sdk"))
        self.assertEqual(props["size"], 300 * MiB)
        self.assertEqual(sha256_file(self.tmp / "large.sdk"), digest)


class Azure(AzureMixin, AzureCase):
    pass


class AzureLarge(AzureLargeMixin, AzureCase):
    pass


if __name__ == "__main__":
    main()
