"""s3-cli bench as the ranks of an MPI job (mpirun -np 3 on this host): the merged report is every rank's
operations together, with percentiles read from summed histograms, checked against the raw per-operation
CSV rows of all ranks; a rank whose endpoint refuses connections fails the job visibly.

Skipped where s3-cli was built without MPI (RAWS3_MPI=0, the sanitizer build) or mpirun is missing.
"""
import csv
import json
import math
import os
import shutil
import unittest
import uuid

import harness

MPIRUN = shutil.which("mpirun")
# As root, Open MPI refuses to start without these; --oversubscribe: more ranks than the 2 cores.
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           # Loopback only: no rank looks for other network interfaces.
           "OMPI_MCA_btl_tcp_if_include": "lo", "OMPI_MCA_oob_tcp_if_include": "lo"}
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


class MpiBenchMixin:
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
        self.assertEqual(harness.list_keys(self.s3, self.bucket, prefix), [], "rank 0 left objects behind")

    def test_concurrency_is_the_jobs_total(self):
        res = self.mpirun("bench", "put", "--bucket", self.bucket, "--concurrent", "2", "--duration", "2s")
        self.assertEqual(res.rc, 2, res.describe())
        self.assertIn("--concurrent 2 leaves some of the 3 ranks nothing to run", res.stderr)

    def test_other_commands_refuse_to_run_as_ranks(self):
        res = self.mpirun("ls", f"s3://{self.bucket}/", ranks=2)
        self.assertEqual(res.rc, 2, res.describe())
        self.assertIn("only bench runs as an MPI job", res.stderr)


harness.server_variants(MpiBenchMixin, ["s3rver", "minio"], globals())

if __name__ == "__main__":
    harness.main()
