"""perf/plot on a real s3-cli bench --csv file: a PNG comes out, and the per-second series it is drawn from
(perf/plot --data) accounts for every byte and operation of the CSV; a malformed CSV is one line on stderr
and exit 1.

Needs gnuplot (gnuplot-nox, in dev/packages.txt); skipped without it rather than installing it from a test.
"""
import collections
import csv
import shutil
import struct
import subprocess
import unittest
import uuid
from pathlib import Path

import harness

PLOT = Path(__file__).resolve().parents[2] / "perf" / "plot"


class PlotMixin:
    def setUp(self):
        super().setUp()
        if shutil.which("gnuplot") is None:
            self.skipTest("gnuplot is not installed (gnuplot-nox, dev/packages.txt)")

    def plot(self, *args):
        return subprocess.run([str(PLOT), *map(str, args)], capture_output=True, text=True, timeout=120)

    def bench_csv(self, op, name):
        # No '/' in the prefix, as test_bench: the cleanup lists by prefix.
        prefix = f"raws3-it-plot-{op}-{uuid.uuid4().hex[:10]}-"
        self.addCleanup(harness.delete_prefix, self.s3, self.bucket, prefix)
        path = self.tmp / name
        res = self.cli("--json", "bench", op, "--bucket", self.bucket, "--prefix", prefix, "--concurrent", "4",
                       "--obj.size", "16KiB", "--objects", "10", "--duration", "3s", "--warmup", "0s", "--csv", path,
                       timeout=60)
        self.assertCliOk(res)
        return path

    def check_png(self, path):
        data = path.read_bytes()
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n", "not a PNG")
        self.assertEqual(data[12:16], b"IHDR")
        width, height = struct.unpack(">II", data[16:24])
        self.assertEqual((width, height), (1200, 900))
        # Two panels of axes, lines and bars: far more than an empty canvas.
        self.assertGreater(len(data), 20_000)

    def test_series_accounts_for_the_csv(self):
        put_csv = self.bench_csv("put", "put.csv")
        get_csv = self.bench_csv("get", "get.csv")
        png, table = self.tmp / "out.png", self.tmp / "data.tsv"
        res = self.plot("-o", png, "--data", table, put_csv, get_csv)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.check_png(png)

        want_bytes, want_ops, last_end = collections.Counter(), collections.Counter(), collections.Counter()
        for path in (put_csv, get_csv):
            with open(path, newline="") as f:
                for row in csv.DictReader(f):
                    if row["status"] == "OK":
                        want_bytes[(path.name, row["op"])] += int(row["bytes"])
                        want_ops[(path.name, row["op"])] += 1
                        last_end[(path.name, row["op"])] = max(last_end[(path.name, row["op"])],
                                                               int(float(row["end_s"])))
        self.assertEqual(set(want_ops), {("put.csv", "put"), ("get.csv", "get")})
        got_bytes, got_ops, seconds, latency = (collections.Counter(), collections.Counter(),
                                                collections.defaultdict(list), {})
        for line in table.read_text().splitlines():
            kind, name, op, *rest = line.split("\t")
            if kind == "second":
                second, nbytes, ops, mib = int(rest[0]), int(rest[1]), int(rest[2]), float(rest[3])
                got_bytes[(name, op)] += nbytes
                got_ops[(name, op)] += ops
                seconds[(name, op)].append(second)
                self.assertAlmostEqual(mib, nbytes / 1048576, places=5)
            else:
                self.assertEqual(kind, "latency")
                latency[(name, op)] = (int(rest[0]), *map(float, rest[1:]))
        self.assertEqual(got_bytes, want_bytes)
        self.assertEqual(got_ops, want_ops)
        for key, secs in seconds.items():
            self.assertEqual(secs, list(range(last_end[key] + 1)), "one row per second from 0, none missing")
        for key, (count, p50, p90, p99) in latency.items():
            self.assertEqual(count, want_ops[key])
            self.assertLessEqual(0, p50)
            self.assertLessEqual(p50, p90)
            self.assertLessEqual(p90, p99)

    def test_malformed_csv_is_one_line_and_exit_1(self):
        good = self.tmp / "good.csv"
        good.write_text("op,start_s,end_s,bytes,ttfb_s,status,rank\nput,0.1,0.2,16384,,OK,0\n")
        cases = {
            "missing.csv": None,
            "header.csv": "when,what\n1,2\n",
            "number.csv": "op,start_s,end_s,bytes,ttfb_s,status,rank\nput,0.1,soon,16384,,OK,0\n",
            "short.csv": "op,start_s,end_s,bytes,ttfb_s,status,rank\nput,0.1,0.2\n",
            "empty.csv": "op,start_s,end_s,bytes,ttfb_s,status,rank\n",
        }
        for name, text in cases.items():
            with self.subTest(name):
                path = self.tmp / name
                if text is not None:
                    path.write_text(text)
                png = self.tmp / f"{name}.png"
                res = self.plot("-o", png, good, path)
                self.assertEqual(res.returncode, 1, res.stderr)
                lines = res.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, res.stderr)
                self.assertTrue(lines[0].startswith(f"perf/plot: {path}"), lines[0])
                self.assertFalse(png.exists())


harness.server_variants(PlotMixin, ["s3rver"], globals())

if __name__ == "__main__":
    harness.main()
