"""s3-cli bench as the ranks of an MPI job (mpirun -np 3 on this host): the merged report is every rank's
operations together, with percentiles read from summed histograms, checked against the raw per-operation
CSV rows of all ranks; a rank whose endpoint refuses connections fails the job visibly. cp -r and sync as
a job: rank 0 lists and hands out batches, every rank transfers, each object exactly once.

AcrossHosts puts each rank on a host of its own on the wire: three network namespaces joined by a bridge
(s3rver in one, a rank in each of the others; tests/tools/netns_lan.sh), the ranks launched by Open MPI's
remote launcher through `ip netns exec`, as it would launch them over ssh.

Skipped where s3-cli was built without MPI (RAWS3_MPI=0, the sanitizer build) or mpirun is missing, and
AcrossHosts where network namespaces cannot be made (not root, no `ip netns`).
"""
import csv
import json
import math
import os
import shutil
import subprocess
import tempfile
import unittest
import uuid
from pathlib import Path

import harness

MPIRUN = shutil.which("mpirun")
# As root, Open MPI refuses to start without these; --oversubscribe: more ranks than the 2 cores.
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           # Loopback only: no rank looks for other network interfaces.
           "OMPI_MCA_btl_tcp_if_include": "lo", "OMPI_MCA_oob_tcp_if_include": "lo"}
# Network namespaces as hosts on a LAN, and Open MPI's launcher into them.
NETNS_LAN = harness.REPO / "tests" / "tools" / "netns_lan.sh"
# A TCP port nothing listens on: connections are refused at once.
REFUSING = "http://127.0.0.1:1"


def mpi_skip_reason():
    if os.environ.get("RAWS3_MPI", "1") == "0":
        return "s3-cli was built without MPI (-Dmpi=disabled)"
    if MPIRUN is None:
        return "mpirun not found (Debian: openmpi-bin)"
    return None


def nearest_rank(values, p):
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


class MpiJob:
    """mpirun -np RANKS s3-cli against this test's server."""
    RANKS = 3

    @classmethod
    def setUpClass(cls):
        reason = mpi_skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        super().setUpClass()

    def mpirun(self, *args, ranks=None, endpoint=None, timeout=120):
        under = [MPIRUN, "--oversubscribe", "-np", str(ranks or self.RANKS)]
        return harness.run_cli("--endpoint-url", endpoint or self.env["S3_ENDPOINT"], "--region",
                               self.env["AWS_DEFAULT_REGION"], *args, env=self.env, extra_env=MPI_ENV,
                               under=under, timeout=timeout)


class MpiBenchMixin(MpiJob):
    """bench as a job: the merged report against every rank's raw rows."""

    def bench(self, op, **kw):
        prefix = f"raws3-it-mpi-{op}-{uuid.uuid4().hex[:10]}-"
        self.addCleanup(harness.delete_prefix, self.s3, self.bucket, prefix)
        csv_path = self.tmp / "ops.csv"
        res = self.mpirun("--json", "bench", op, "--bucket", self.bucket, "--prefix", prefix, "--concurrent", "6",
                          "--obj.size", "16KiB", "--objects", "30", "--duration", "2s", "--warmup", "500ms",
                          "--csv", str(csv_path), **kw)
        return prefix, res, csv_path

    def check_merged(self, op):
        prefix, res, csv_path = self.bench(op)
        self.assertCliOk(res)
        report = json.loads(res.stdout)  # one report: only rank 0 prints
        with open(csv_path, newline="") as f:
            rows = list(csv.DictReader(f))

        ranks = report["ranks"]
        self.assertEqual([r["rank"] for r in ranks], list(range(self.RANKS)))
        self.assertEqual(report["total_ops"], sum(r["total_ops"] for r in ranks))
        self.assertEqual(report["total_ops"], len(rows))
        for r in ranks:
            self.assertGreater(r["total_ops"], 0, r)
            self.assertEqual(r["total_ops"], sum(1 for row in rows if int(row["rank"]) == r["rank"]), r)

        # The truth from the raw rows: an operation is measured when it started after the warm-up and
        # before its own rank stopped.
        stop = {r["rank"]: r["run_s"] for r in ranks}
        measured = [row for row in rows if row["op"] == op and
                    report["warmup_s"] <= float(row["start_s"]) < stop[int(row["rank"])]]
        ok = [row for row in measured if row["status"] == "OK"]
        self.assertEqual(len(ok), len(measured), "no operation should fail against a healthy server")
        (merged,) = report["operations"]
        self.assertEqual(merged["ops"], len(measured))
        self.assertEqual(merged["bytes"], sum(int(row["bytes"]) for row in ok))  # bytes conserved
        if op in ("put", "get"):
            self.assertEqual(merged["bytes"], 16 * 1024 * len(ok))
        # IOR's rule: the window runs from the common start to the last rank's stop.
        self.assertAlmostEqual(merged["seconds"], max(stop.values()) - report["warmup_s"], places=5)

        latencies = [float(row["end_s"]) - float(row["start_s"]) for row in ok]
        # Within the histogram's 0.4%, and the CSV's microsecond rounding of start and end.
        for p in (50, 90, 99):
            truth_ms = nearest_rank(latencies, p) * 1e3
            self.assertAlmostEqual(merged["latency_ms"][f"p{p}"], truth_ms, delta=truth_ms * 0.004 + 0.002,
                                   msg=f"p{p}")
        self.assertAlmostEqual(merged["latency_ms"]["max"], max(latencies) * 1e3, delta=0.002)
        self.assertEqual(harness.list_keys(self.s3, self.bucket, prefix), [], "the ranks left objects behind")
        return report, rows

    def test_merged_put_is_every_rank_together(self):
        self.check_merged("put")

    def test_merged_get_is_every_rank_together(self):
        report, rows = self.check_merged("get")
        self.assertIn("ttfb_ms", report["operations"][0])
        self.assertIn("stonewall", report["operations"][0])

    def test_a_rank_whose_endpoint_refuses_fails_the_job(self):
        # Rank 0 gets the server, rank 1 a port that refuses: rank 0's share runs, rank 1's fails, both
        # are in the report, and the exit code says so.
        prefix = f"raws3-it-mpi-refused-{uuid.uuid4().hex[:10]}-"
        self.addCleanup(harness.delete_prefix, self.s3, self.bucket, prefix)
        res = self.mpirun("--json", "bench", "put", "--bucket", self.bucket, "--prefix", prefix, "--concurrent",
                          "4", "--obj.size", "4KiB", "--duration", "1500ms", "--warmup", "0s", ranks=2,
                          endpoint=f"{self.env['S3_ENDPOINT']},{REFUSING}")
        self.assertEqual(res.rc, 1, res.describe())
        report = json.loads(res.stdout)
        good, refused = report["ranks"]
        self.assertEqual(good["endpoint"], self.env["S3_ENDPOINT"])
        self.assertGreater(good["total_ops"], 0, good)
        self.assertNotIn("error", good)
        self.assertEqual(refused["endpoint"], REFUSING)
        self.assertEqual(refused["total_ops"], 0, refused)
        self.assertIn("127.0.0.1:1", refused["error"])
        self.assertIn("127.0.0.1:1", res.stderr)  # the failing rank's one error line
        self.assertEqual(report["total_ops"], good["total_ops"])
        # The stonewall is the first to stop of the ranks that ran, not the one that never started.
        self.assertAlmostEqual(report["operations"][0]["stonewall"]["seconds"], good["run_s"], places=5)
        self.assertEqual(harness.list_keys(self.s3, self.bucket, prefix), [], "rank 0 left objects behind")

    def test_concurrency_is_the_jobs_total(self):
        res = self.mpirun("bench", "put", "--bucket", self.bucket, "--concurrent", "2", "--duration", "2s")
        self.assertEqual(res.rc, 2, res.describe())
        self.assertIn("--concurrent 2 leaves some of the 3 ranks nothing to run", res.stderr)

    def test_other_commands_refuse_to_run_as_ranks(self):
        res = self.mpirun("ls", f"s3://{self.bucket}/", ranks=2)
        self.assertEqual(res.rc, 2, res.describe())
        self.assertIn("only bench, cp --recursive and sync run as an MPI job", res.stderr)


harness.server_variants(MpiBenchMixin, ["s3rver", "minio"], globals())


class MpiTreeMixin(MpiJob):
    """cp -r and sync as a job."""

    def json_lines(self, res):
        self.assertTrue(res.stdout, res.describe())
        *records, summary = [json.loads(line) for line in res.stdout.decode().splitlines()]
        return records, summary["summary"]

    def test_cp_r_and_sync_hand_out_every_object_exactly_once(self):
        tree = self.tmp / "tree"
        digests = {}
        for i in range(2000):
            rel = f"d{i % 10}/f{i:04d}.bin"
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            data = os.urandom(64 + i)
            (tree / rel).write_bytes(data)
            digests[rel] = harness.sha256_bytes(data)
        prefix = f"raws3-it-mpi-tree-{uuid.uuid4().hex[:10]}/"
        self.addCleanup(harness.delete_prefix, self.s3, self.bucket, prefix)
        url = f"s3://{self.bucket}/{prefix}"

        res = self.mpirun("--json", "cp", "-r", str(tree), url, timeout=300)
        self.assertCliOk(res)
        records, summary = self.json_lines(res)
        destinations = [r["destination"] for r in records]
        self.assertEqual(len(destinations), len(set(destinations)), "an object was uploaded twice")
        self.assertEqual(sorted(destinations), sorted(url + rel for rel in digests))
        self.assertEqual(summary["succeeded"], 2000)
        self.assertEqual(summary["failed"], 0)
        self.assertEqual([r["rank"] for r in summary["ranks"]], list(range(self.RANKS)))
        self.assertEqual(sum(r["succeeded"] for r in summary["ranks"]), 2000)
        for r in summary["ranks"]:
            self.assertGreater(r["succeeded"], 0, f"rank {r['rank']} was handed nothing: {summary}")
        self.assertEqual(sorted(harness.list_keys(self.s3, self.bucket, prefix)), sorted(prefix + rel for rel in digests))

        down = self.tmp / "down"
        res = self.mpirun("--json", "cp", "-r", url, str(down), timeout=300)
        self.assertCliOk(res)
        self.assertEqual(self.json_lines(res)[1]["succeeded"], 2000)
        self.assert_local_tree(down, digests)

        # sync hands out only what differs.
        (tree / "d3/f0003.bin").write_bytes(b"changed")
        (tree / "new.bin").write_bytes(b"new")
        res = self.mpirun("--json", "sync", str(tree), url, timeout=300)
        self.assertCliOk(res)
        records, summary = self.json_lines(res)
        self.assertEqual(sorted(r["destination"] for r in records), [url + "d3/f0003.bin", url + "new.bin"])
        self.assertEqual(summary["succeeded"], 2)
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key=prefix + "d3/f0003.bin")["Body"].read(), b"changed")

    def test_a_failed_transfer_on_any_rank_fails_the_job(self):
        prefix = f"raws3-it-mpi-fail-{uuid.uuid4().hex[:10]}/"
        self.addCleanup(harness.delete_prefix, self.s3, self.bucket, prefix)
        for i in range(60):
            self.s3.put_object(Bucket=self.bucket, Key=f"{prefix}f{i:02d}", Body=b"x" * i)
        down = self.tmp / "down"
        (down / "f17").mkdir(parents=True)  # a directory where one file must land: that download fails
        res = self.mpirun("--json", "cp", "-r", f"s3://{self.bucket}/{prefix}", str(down), timeout=300)
        self.assertEqual(res.rc, 1, res.describe())
        records, summary = self.json_lines(res)
        self.assertEqual(summary["succeeded"], 59)
        self.assertEqual(summary["failed"], 1)
        self.assertEqual(sum(r["failed"] for r in summary["ranks"]), 1)
        self.assertIn("f17", res.stderr)


harness.server_variants(MpiTreeMixin, ["minio"], globals())


class AcrossHosts(unittest.TestCase):
    SUBNET = "10.77.0"
    PORT = "4590"
    BUCKET = "raws3-test"

    @classmethod
    def setUpClass(cls):
        reason = mpi_skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        if os.geteuid() != 0:
            raise unittest.SkipTest("network namespaces need root")
        prefix = f"raws3-{os.getpid()}"
        cls.server_ns, cls.hosts = f"{prefix}-s", [f"{prefix}-h1", f"{prefix}-h2"]
        made = subprocess.run([str(NETNS_LAN), "up", prefix, cls.SUBNET, "2"], capture_output=True, text=True)
        if made.returncode != 0:
            raise unittest.SkipTest(f"cannot make network namespaces: {made.stderr.strip()}")
        cls.addClassCleanup(subprocess.run, [str(NETNS_LAN), "down", prefix, "2"], capture_output=True)
        # s3rver by its own script, inside the server's namespace on the bridge's address; its npm packages
        # are the ones dev/test's s3rver already installed.
        cls.state = Path(tempfile.mkdtemp(prefix="raws3-netns-"))
        cls.addClassCleanup(shutil.rmtree, cls.state, True)
        cls.server_env = dict(os.environ, RAWS3_TEST_STATE=str(cls.state / "state"),
                              RAWS3_NPM_PREFIX=str(harness.STATE / "npm"), RAWS3_S3RVER_ADDRESS=f"{cls.SUBNET}.1",
                              RAWS3_S3RVER_PORT=cls.PORT, RAWS3_S3RVER_DATA=str(cls.state / "data"),
                              RAWS3_S3RVER_BUCKET=cls.BUCKET)
        s3rver = ["ip", "netns", "exec", cls.server_ns, str(harness.SERVERS_DIR / "s3rver.sh")]
        started = subprocess.run(s3rver + ["start"], env=cls.server_env, capture_output=True, text=True)
        if started.returncode != 0:
            raise AssertionError(f"s3rver did not start in {cls.server_ns}: {started.stderr[-2000:]}")
        cls.addClassCleanup(subprocess.run, s3rver + ["stop"], env=cls.server_env, capture_output=True)
        cls.endpoint = f"http://{cls.SUBNET}.1:{cls.PORT}"
        cls.env = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_DEFAULT_REGION": "us-east-1"}

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="raws3-it-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def mpirun(self, *args, timeout=120):
        hostfile = self.tmp / "hosts"
        hostfile.write_text("".join(f"{h} slots=2\n" for h in self.hosts))
        under = ["ip", "netns", "exec", self.server_ns, MPIRUN, "--oversubscribe", "-np", "2", "--map-by", "node",
                 "--hostfile", str(hostfile), "--mca", "plm_rsh_agent", f"{NETNS_LAN} rsh",
                 "--mca", "oob_tcp_if_include", f"{self.SUBNET}.0/24",
                 "--mca", "btl_tcp_if_include", f"{self.SUBNET}.0/24", "--mca", "btl", "self,tcp"]
        env = dict(self.env, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        return harness.run_cli("--endpoint-url", self.endpoint, *args, env=env, under=under, timeout=timeout)

    def keys_under(self, prefix):
        # From a host's namespace: the server is on the bridge, out of this namespace's reach.
        res = harness.run_cli("--endpoint-url", self.endpoint, "--json", "ls", "-r", f"s3://{self.BUCKET}/{prefix}",
                              env=self.env, under=["ip", "netns", "exec", self.hosts[0]])
        self.assertEqual(res.rc, 0, res.describe())
        return [o["key"] for o in json.loads(res.stdout)["objects"]]

    def test_a_rank_on_each_host_one_merged_report(self):
        prefix = f"raws3-it-hosts-{uuid.uuid4().hex[:10]}-"
        csv_path = self.tmp / "ops.csv"
        res = self.mpirun("--json", "bench", "get", "--bucket", self.BUCKET, "--prefix", prefix, "--concurrent", "4",
                          "--obj.size", "16KiB", "--objects", "10", "--duration", "2s", "--warmup", "500ms",
                          "--csv", str(csv_path))
        self.assertEqual(res.rc, 0, res.describe())
        report = json.loads(res.stdout)
        self.assertEqual([r["host"] for r in report["ranks"]], self.hosts)  # one rank on each host
        self.assertEqual(report["total_ops"], sum(r["total_ops"] for r in report["ranks"]))
        with open(csv_path, newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), report["total_ops"])
        self.assertEqual({int(row["rank"]) for row in rows}, {0, 1})
        (get,) = report["operations"]
        self.assertGreater(get["ops"], 0)
        self.assertEqual(get["errors"], {})
        self.assertEqual(self.keys_under(prefix), [], "the ranks left objects behind")

if __name__ == "__main__":
    harness.main()
