"""s3-cli bench: short runs of every workload against s3rver, moto and radosgw.

Each run is 1 s of small objects (the first 250 ms warm-up), 4 in flight: enough for the report to have
numbers, and every run checks the report's JSON, the CSV of its operations, and that the objects it created
are gone afterwards.
"""
import csv
import json
import uuid

import fault_server
import harness


class BenchMixin:
    """The tests; a subclass per server (bottom of the file)."""

    def bench(self, op, *extra, keep=False, duration="1s", size="16KiB", objects=20, concurrent=4):
        # No '/' in the prefix: moto refuses ListObjectsV2 whose prefix holds one.
        prefix = f"raws3-it-bench-{op}-{uuid.uuid4().hex[:10]}-"
        self.addCleanup(harness.delete_prefix, self.s3, self.bucket, prefix)
        csv_path = self.tmp / "ops.csv"
        args = ["--json", "bench", op, "--bucket", self.bucket, "--prefix", prefix, "--concurrent", concurrent,
                "--obj.size", size, "--objects", objects, "--duration", duration, "--csv", csv_path, *extra]
        if keep:
            args.append("--keep")
        if "--warmup" not in extra:
            args += ["--warmup", "250ms"]
        res = self.cli(*args, timeout=60)
        self.assertCliOk(res)
        report = json.loads(res.stdout)
        with open(csv_path, newline="") as f:
            rows = list(csv.DictReader(f))
        return prefix, report, rows

    def keys_under(self, prefix):
        return harness.list_keys(self.s3, self.bucket, prefix)

    def check(self, prefix, report, rows, ops, moves_bytes, size=16 * 1024):
        self.assertEqual(report["total_ops"], len(rows))
        self.assertEqual({r["op"] for r in rows} - set(ops), set())
        for r in rows:
            self.assertLessEqual(float(r["start_s"]), float(r["end_s"]))
            self.assertEqual(r["status"], "OK", r)
        by_op = {o["op"]: o for o in report["operations"]}
        for op in ops:
            o = by_op[op]
            self.assertGreater(o["ops"], 0, o)
            self.assertGreater(o["objects_per_s"], 0, o)
            lat = o["latency_ms"]
            self.assertLessEqual(0, lat["p50"])
            self.assertLessEqual(lat["p50"], lat["p90"])
            self.assertLessEqual(lat["p90"], lat["p99"])
            self.assertLessEqual(lat["p99"], lat["max"])
            self.assertEqual(o["errors"], {})
            if moves_bytes and op in ("get", "put", "multipart"):
                self.assertGreater(o["mib_per_s"], 0, o)
                self.assertEqual(o["bytes"] % size, 0)
        if "get" in by_op:
            ttfb = by_op["get"]["ttfb_ms"]
            self.assertLessEqual(ttfb["p50"], ttfb["max"])
            self.assertLessEqual(ttfb["max"], by_op["get"]["latency_ms"]["max"])
        self.assertEqual(self.keys_under(prefix), [], "bench left objects behind")

    def test_put(self):
        self.check(*self.bench("put"), ["put"], True)

    def test_get(self):
        prefix, report, rows = self.bench("get")
        self.check(prefix, report, rows, ["get"], True)
        for r in rows:
            self.assertLessEqual(float(r["ttfb_s"]), float(r["end_s"]) - float(r["start_s"]), r)

    def test_ttfb_is_the_first_byte_not_the_whole_body(self):
        # 4 MiB bodies take a while to arrive after their head: a ttfb taken when the body is complete
        # would be as long as the whole GET.
        prefix, report, rows = self.bench("get", size="4MiB", objects=4, concurrent=2, duration="2s")
        self.check(prefix, report, rows, ["get"], True, size=4 << 20)
        get = report["operations"][0]
        self.assertLess(get["ttfb_ms"]["p50"], 0.9 * get["latency_ms"]["p50"], get)

    def test_multipart(self):
        # 11 MiB in 5 MiB parts: three parts, the last one short (moto enforces the 5 MiB minimum).
        prefix, report, rows = self.bench("multipart", "--part-size", "5MiB", size="11MiB", concurrent=2,
                                          duration="2s", keep=True)
        self.assertEqual([o["op"] for o in report["operations"]], ["multipart"])
        keys = self.keys_under(prefix)
        self.assertEqual(len(keys), report["total_ops"])
        head = self.s3.head_object(Bucket=self.bucket, Key=keys[0])
        self.assertEqual(head["ContentLength"], 11 << 20)
        if self.SERVER != "s3rver":  # s3rver's HEAD gives the MD5 of the whole object instead
            self.assertTrue(head["ETag"].endswith('-3"'), head["ETag"])  # a multipart ETag: 3 parts
        harness.delete_prefix(self.s3, self.bucket, prefix)
        self.check(prefix, report, rows, ["multipart"], True, size=11 << 20)

    def test_multipart_of_one_part_is_a_usage_error(self):
        res = self.cli("bench", "multipart", "--bucket", self.bucket, "--obj.size", "1MiB")
        self.assertEqual(res.rc, 2, res.describe())
        self.assertIn("larger than one part", res.stderr)

    def test_stat(self):
        self.check(*self.bench("stat"), ["stat"], False)

    def test_list(self):
        self.check(*self.bench("list"), ["list"], False)

    def test_delete(self):
        # 20 objects may all be gone within the warm-up: measure from the start.
        prefix, report, rows = self.bench("delete", "--warmup", "0s")
        self.check(prefix, report, rows, ["delete"], False)
        self.assertEqual(len(rows), 20)
        self.assertEqual(report["stopped_by"], "objects")

    def test_mixed(self):
        self.check(*self.bench("mixed", "--get-distrib", "45", "--put-distrib", "15", "--delete-distrib", "10",
                               "--stat-distrib", "30"), ["get", "put", "delete", "stat"], True)

    def test_keep_leaves_the_objects(self):
        prefix, report, _ = self.bench("put", "--warmup", "0s", keep=True, duration="1s")
        self.assertEqual(len(self.keys_under(prefix)), report["total_ops"])

    def test_bad_duration_is_a_usage_error(self):
        res = self.cli("bench", "put", "--bucket", self.bucket, "--duration", "1s", "--warmup", "2s")
        self.assertEqual(res.rc, 2, res.describe())
        res = self.cli("bench", "put", "--bucket", self.bucket, "--duration", "soon")
        self.assertEqual(res.rc, 2, res.describe())


harness.server_variants(BenchMixin, ["s3rver", "moto", "rgw", "minio", "minio-ec"], globals())


class BenchErrors(fault_server.FaultServerTestCase):
    """Failed operations reach the report under the server's code (through the client's callback forms),
    stderr names each code once, and the run goes on."""

    def run_failing(self, op, s3_op, code="AccessDenied"):
        self.server.arm(s3_op, "access_denied", count=5)
        res = harness.run_cli("--json", "bench", op, "--bucket", self.BUCKET, "--prefix", f"{self.key}-",
                              "--obj.size", "4KiB", "--objects", "4", "--concurrent", "2", "--duration", "2s",
                              "--warmup", "0s", env=self.server.env, global_args=True, timeout=60)
        self.assertEqual(res.rc, 0, res.describe())
        report = json.loads(res.stdout)["operations"][0]
        self.assertEqual(report["op"], op)
        self.assertEqual(report["errors"], {code: 5})
        self.assertGreater(report["ops"], 5)
        self.assertEqual(len([line for line in res.stderr.splitlines() if code in line]), 1, res.stderr)
        status, listing = self.server.request("GET", f"/{self.BUCKET}?list-type=2&prefix={self.key}-")
        self.assertEqual(status, 200)
        self.assertNotIn(b"<Key>", listing, "bench left objects behind")

    def test_get(self):
        self.run_failing("get", "GetObject")

    def test_put(self):
        self.run_failing("put", "PutObject")

    def test_stat(self):
        # A HEAD answer has no body to name a code: its status's name stands in.
        self.run_failing("stat", "HeadObject", code="Forbidden")

if __name__ == "__main__":
    harness.main()
