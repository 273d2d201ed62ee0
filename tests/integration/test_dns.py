#!/usr/bin/env python3
"""Endpoints named by DNS (issue 12): a name with several addresses, one of which refuses, and a name whose
address changes while s3-cli runs.

s3-cli runs in a mount namespace of its own (unshare --mount, as root) whose /etc/hosts is a file the test
writes, so names resolve to loopback addresses only: nothing listens on 127.0.0.2 (it refuses), fault
servers listen on 127.0.0.3 and 127.0.0.4, on the same port.
"""
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import fault_server
import harness
from test_cli_errors import OneLineErrors

BUCKET = "dns"
NAME = "multi.test"
REFUSING = "127.0.0.2"
FIRST = "127.0.0.3"
SECOND = "127.0.0.4"


def namespaces_available():
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    return probe.returncode == 0


def under_hosts(hosts):
    """The command line a program runs under to see the file `hosts` as its /etc/hosts (a mount namespace
    of its own). Rewrite the file in place: the namespace's /etc/hosts is that inode, bound over it."""
    return ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', str(hosts)]


class Dns(OneLineErrors, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not namespaces_available():
            raise unittest.SkipTest("cannot make a mount namespace here (unshare --mount needs root)")
        cls.server = fault_server.start(host=FIRST)
        cls.port = int(cls.server.url.rsplit(":", 1)[1])
        cls.server.create_bucket(BUCKET)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.server.disarm()
        self.server.clear_log()
        d = tempfile.TemporaryDirectory(prefix="raws3-dns-")
        self.addCleanup(d.cleanup)
        self.tmp = Path(d.name)
        self.hosts = self.tmp / "hosts"

    def write_hosts(self, *addresses):
        self.hosts.write_text("".join(f"{a} {NAME}\n" for a in addresses))

    def start(self, *args, **extra_env):
        """s3-cli against http://multi.test:PORT, in a namespace whose /etc/hosts is self.hosts."""
        argv = [*under_hosts(self.hosts), harness.cli_path(), "--endpoint-url", f"http://{NAME}:{self.port}",
                "--region", "us-east-1",
                *map(str, args)]
        proc = subprocess.Popen(argv, env=harness.cli_env(self.server.env, extra_env), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        proc.argv = argv
        return proc

    def finish(self, proc, timeout=60):
        out, err = proc.communicate(timeout=timeout)
        res = harness.CliResult(proc.returncode, out, err.decode(errors="replace"))
        res.argv = proc.argv
        return res

    def run_cli(self, *args, **extra_env):
        return self.finish(self.start(*args, **extra_env))

    def test_a_refused_address_gives_way_to_the_next(self):
        # The refusing address first, and one attempt only: before, the first connect went there and failed.
        self.write_hosts(REFUSING, FIRST)
        data = harness.random_bytes(100_000, seed="dns")
        self.server.put(BUCKET, "obj", data)
        out = self.tmp / "obj"
        res = self.run_cli("get", f"s3://{BUCKET}/obj", out, RAWS3_MAX_ATTEMPTS="1", RAWS3_THREADS="1")
        self.assertEqual(res.rc, 0, res.describe())
        self.assertEqual(harness.sha256_file(out), harness.sha256_bytes(data))

    def test_no_address_taking_the_connection_is_one_line_naming_each(self):
        self.write_hosts(REFUSING, "127.0.0.5")
        res = self.run_cli("ls", f"s3://{BUCKET}", RAWS3_MAX_ATTEMPTS="1")
        p = self.port
        self.assert_one_line(res, 1, rf"connect to {NAME} \(2 addresses\) failed: {REFUSING}:{p}: Connection "
                                     rf"refused; 127\.0\.0\.5:{p}: Connection refused$")

    def test_a_changed_address_is_picked_up_while_running(self):
        # cp -r uploads many small files, each PUT on a new connection (the servers close every one); once
        # the first server has seen some, the name moves to the second. Before, the name was resolved once
        # per client and the second server never saw a request.
        second = fault_server.start(host=SECOND, port=self.port)
        self.addCleanup(second.stop)
        second.create_bucket(BUCKET)
        for s in (self.server, second):
            s.arm("*", "connection_close", count=-1)
        tree = self.tmp / "tree"
        tree.mkdir()
        names = [f"f{i:03}" for i in range(300)]
        for name in names:
            (tree / name).write_bytes(harness.random_bytes(16 * 1024, seed=name))
        self.write_hosts(FIRST)
        proc = self.start("--quiet", "cp", "-r", tree, f"s3://{BUCKET}/moved/", RAWS3_DNS_TTL_MS="50")

        def puts(server):
            return [e["key"] for e in server.log() if e["op"] == "PutObject"]

        moved_after = None
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            if len(puts(self.server)) >= 20:
                self.write_hosts(SECOND)
                moved_after = len(puts(self.server))
                break
            time.sleep(0.005)
        res = self.finish(proc)
        self.assertEqual(res.rc, 0, res.describe())
        self.assertIsNotNone(moved_after, "the copy ended before the name moved: make it longer")
        on_first, on_second = puts(self.server), puts(second)
        print(f"\nPUTs: {len(on_first)} before the move was seen ({moved_after} when it was made), "
              f"{len(on_second)} after", flush=True)
        self.assertGreater(len(on_second), 0, "the new address was never used")
        self.assertEqual(sorted(set(on_first) | set(on_second)), [f"moved/{n}" for n in names])


if __name__ == "__main__":
    harness.main()
