#!/usr/bin/env python3
"""Streaming uploads, the slow half (meson suite 'large'): 100 MiB round trips from a file, a pipe and an
ObjectWriter against every server, and the memory bound: a 1 GiB and a 4 GiB upload from a pipe both peak
at no more than (inflight + 1) x part size + 16 MiB of RSS, the program's own included, and at the same
RSS (within 2 MiB): past inflight + 1 parts, an upload holds what it will hold however long it runs.
"""
import json
import subprocess
import unittest

import harness
from harness import MiB
from test_multipart import INFLIGHT, PART, SERVERS, NullS3, UploadHelpers, driver_path

BIG = 100 * MiB


class LargeUploads(UploadHelpers):
    def round_trip(self, how):
        prefix = self.prefix(how)
        data = harness.random_bytes(BIG)
        result = self.upload(how, f"{prefix}big", data)
        self.assertEqual(result["parts"], -(-BIG // PART))
        self.assert_object(f"{prefix}big", data)
        self.assert_no_uploads(prefix)

    def test_100mib_from_a_file(self):
        self.round_trip("file")

    def test_100mib_from_a_pipe(self):
        self.round_trip("stream")

    def test_100mib_through_a_writer(self):
        self.round_trip("writer")


harness.server_variants(LargeUploads, SERVERS, globals())


class MemoryBound(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server, cls.env = NullS3.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def peak_rss(self, size):
        """Peak RSS (bytes) of put_driver streaming `size` zero bytes from a pipe."""
        env = harness.cli_env(self.env, {"RAWS3_PUT_PART_SIZE": str(PART), "RAWS3_PUT_INFLIGHT": str(INFLIGHT)})
        source = subprocess.Popen(["head", "-c", str(size), "/dev/zero"], stdout=subprocess.PIPE)
        upload = subprocess.run([driver_path(), "stream", "b", "k"], stdin=source.stdout, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        source.stdout.close()
        source.wait()
        self.assertEqual(upload.returncode, 0, upload.stderr.decode(errors="replace"))
        result = json.loads(upload.stdout)
        self.assertEqual(result["size"], size)
        return result["peak_rss"]

    def test_rss_does_not_grow_with_the_object(self):
        one = self.peak_rss(1 << 30)
        four = self.peak_rss(4 << 30)
        bound = (INFLIGHT + 1) * PART + 16 * MiB
        print(f"\npeak RSS: 1 GiB {one / MiB:.1f} MiB, 4 GiB {four / MiB:.1f} MiB; bound {bound / MiB:.1f} MiB",
              flush=True)
        self.assertLessEqual(one, bound)
        self.assertLessEqual(four, bound)
        self.assertLessEqual(abs(four - one), 2 * MiB)

if __name__ == "__main__":
    harness.main()
