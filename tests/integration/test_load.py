#!/usr/bin/env python3
"""10,000 requests over 256 connections (2 loops × 128) against the fault server without faults: none
fails, no file descriptor, connection or memory outlives them (tests/load/load_driver.cpp checks its own
process), and the connections are reused rather than opened anew."""
import json
import os
import subprocess
import unittest

import fault_server
import harness

REQUESTS = 10_000
LOOPS, CONNS_PER_LOOP = 2, 128


class Load(unittest.TestCase):
    def setUp(self):
        self.server = fault_server.start()
        self.addCleanup(self.server.stop)

    def test_no_leak_under_load(self):
        driver = os.environ.get("RAWS3_LOAD_DRIVER")
        if not driver:
            self.skipTest("RAWS3_LOAD_DRIVER (tests/load/load_driver) is not set")
        self.server.create_bucket("load")
        self.server.put("load", "obj", harness.random_bytes(4096, seed=0))
        env = dict(harness.cli_env(self.server.env), S3_ENDPOINT=self.server.url, RAWS3_THREADS=str(LOOPS),
                   RAWS3_MAX_CONNS=str(CONNS_PER_LOOP), RAWS3_TIMEOUT_MS="30000")
        run = subprocess.run([driver, "load", "obj", str(REQUESTS)], env=env, capture_output=True, text=True,
                             timeout=300)
        self.assertEqual(run.returncode, 0, f"{run.stdout}\n{run.stderr}")
        report = json.loads(run.stdout)
        print(f"\n{report}", flush=True)
        # One connection of ours beyond the pools: the control requests of this test.
        stats = self.server.stats()
        self.assertLessEqual(stats["connections"], LOOPS * CONNS_PER_LOOP + 8, stats)


if __name__ == "__main__":
    harness.main()
