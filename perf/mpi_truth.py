"""What a distributed load generator reported against the truth from its raw per-operation records, for
perf/mpi_bench.sh. Prints one line: "OBJECTS_PER_S P50_MS P99_MS TRUE_P50_MS TRUE_P99_MS".

  python3 perf/mpi_truth.py s3cli REPORT_JSON CSV
      s3-cli bench's merged report (rank 0's --json) and its CSV of every rank's operations; the truth is
      the nearest-rank percentile of the successful operations each rank counted (started after the
      warm-up and before that rank stopped). A sixth figure: the ranks' CPU-seconds, as they report them.
  python3 perf/mpi_truth.py warp ANALYSIS BENCHDATA WARMUP_S DURATION_S
      `warp analyze --analyze.v` of the coordinator's --benchdata file (warp v1.0.0's coordinator collects
      every agent's operations and analyses them together; it prints request percentiles to whole
      milliseconds) and that file; the truth is taken over the window from its first GET + WARMUP to
      + DURATION.
"""
import csv
import json
import re
import sys

from results import nearest_rank, warp_records


def s3cli(report_path, csv_path):
    with open(report_path) as f:
        report = json.load(f)
    stop = {r["rank"]: r["run_s"] for r in report["ranks"]}
    with open(csv_path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["status"] == "OK" and r["op"] == report["command"] and
                report["warmup_s"] <= float(r["start_s"]) < stop[int(r["rank"])]]
    latencies = [(float(r["end_s"]) - float(r["start_s"])) * 1e3 for r in rows]
    (op,) = [o for o in report["operations"] if o["op"] == report["command"]]
    lat = op["latency_ms"]
    return (op["objects_per_s"], lat["p50"], lat["p99"], nearest_rank(latencies, 50), nearest_rank(latencies, 99),
            sum(r["cpu_s"] for r in report["ranks"]))


UNITS = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}


def warp_duration_ms(text):
    # Go's duration text as warp prints it: "0s", "850µs", "12ms", "1.5s".
    m = re.fullmatch(r"([0-9.]+)(ns|µs|us|ms|s)", text)
    if not m:
        sys.exit(f"warp output: unreadable duration {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def warp(analysis_path, benchdata, warmup, duration):
    with open(analysis_path, errors="replace") as f:
        out = f.read()
    rate = re.search(r"\* Average: .*?([0-9.]+) obj/s", out)
    requests = out[out.find("Requests considered"):]
    p50 = re.search(r"50%: ([0-9.]+(?:ns|µs|us|ms|s))", requests)
    p99 = re.search(r"99%: ([0-9.]+(?:ns|µs|us|ms|s))", requests)
    if not (rate and p50 and p99):
        sys.exit(f"warp analysis {analysis_path}: no GET objects/s or request percentiles")
    records = [r for r in warp_records(benchdata) if r[0] == "GET"]
    t0 = min(r[1] for r in records)
    window = [r for r in records if t0 + warmup <= r[1] < t0 + duration and not r[5]]
    latencies = [(r[2] - r[1]) * 1e3 for r in window]
    return (float(rate.group(1)), warp_duration_ms(p50.group(1)), warp_duration_ms(p99.group(1)),
            nearest_rank(latencies, 50), nearest_rank(latencies, 99))


def main(argv):
    if len(argv) == 4 and argv[1] == "s3cli":
        figures = s3cli(argv[2], argv[3])
    elif len(argv) == 6 and argv[1] == "warp":
        figures = warp(argv[2], argv[3], float(argv[4]), float(argv[5]))
    else:
        sys.exit(__doc__)
    print(" ".join(f"{v:.3f}" for v in figures))


if __name__ == "__main__":
    main(sys.argv)
