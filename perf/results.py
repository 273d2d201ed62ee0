"""The numbers side of perf/lib.sh's measure and results_table (stdlib only, and the zstd program for
warp's files).

  python3 perf/results.py own STDOUT STDERR WALL_S BYTES OPS [WARP_BENCHDATA WARMUP_S DURATION_S]
      one measured run's "SECONDS BYTES OPS CPU_BYTES", and for a load generator (s3-cli bench's --json
      report, or warp's --benchdata file) a second line "CPU_OPS P50_MS P90_MS P99_MS TTFB_P50_MS"
      (see measure in lib.sh)
  python3 perf/results.py table RESULTS
      medians per name as a Markdown table (perf/compare_report.py imports medians)
"""
import calendar
import collections
import json
import math
import re
import statistics
import subprocess
import sys
import time


def nearest_rank(samples, p):
    """The percentile as s3-cli bench computes it (bench_stats.cpp), so that both instruments agree."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


def warp_stamp(text):
    """warp's RFC 3339 UTC time with nanoseconds as seconds since the epoch."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z", text)
    if not m:
        sys.exit(f"warp benchdata: unreadable time {text!r}")
    return calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) + float(m.group(2) or 0)


def warp_records(path):
    """Every operation in warp's --benchdata file (zstd-compressed, tab-separated, a header naming the
    columns) as (op, start, end, bytes, ttfb or None, error)."""
    text = subprocess.run(["zstd", "-dcq", path], capture_output=True, text=True, check=True).stdout
    lines = text.splitlines()
    if not lines:
        sys.exit(f"warp benchdata {path}: empty")
    col = {name: i for i, name in enumerate(lines[0].split("\t"))}
    missing = {"op", "bytes", "error", "start", "first_byte", "end"} - col.keys()
    if missing:
        sys.exit(f"warp benchdata {path}: no column {', '.join(sorted(missing))}")
    records = []
    for line in lines[1:]:
        f = line.split("\t")
        if len(f) < len(col):
            continue
        start = warp_stamp(f[col["start"]])
        first = f[col["first_byte"]]
        records.append((f[col["op"]], start, warp_stamp(f[col["end"]]), int(f[col["bytes"]]),
                        warp_stamp(first) - start if first else None, f[col["error"]]))
    return records


def warp_own(path, warmup, duration):
    """warp's run measured as s3-cli bench measures its own (bench_stats.cpp): the operations that
    started in the window [benchmark start + WARMUP, benchmark start + DURATION). The benchmark starts with its first
    operation that is not a PUT where it has any (get and mixed upload their objects first), else with
    its first PUT."""
    records = warp_records(path)
    if not records:
        sys.exit(f"warp benchdata {path}: no operation")
    benched = [r for r in records if r[0] != "PUT"] or records
    t0 = min(r[1] for r in benched)
    window = [r for r in records if t0 + warmup <= r[1] < t0 + duration]
    errors = collections.Counter(r[5] for r in window if r[5])
    if errors:
        sys.exit(f"warp reported errors: {dict(errors)}")
    if not window:
        sys.exit(f"warp benchdata {path}: no operation in its window")
    # Latencies of the benchmark's own operation; in mixed, of GET (as s3-cli bench's figures here).
    main = "GET" if any(r[0] == "GET" for r in window) else window[0][0]
    latencies = [(r[2] - r[1]) * 1e3 for r in window if r[0] == main]
    ttfbs = [r[4] * 1e3 for r in window if r[0] == main and r[4] is not None]
    moved = sum(r[3] for r in records)  # its preparation is in the file too
    ttfb = f"{nearest_rank(ttfbs, 50):.3f}" if ttfbs else "-"
    return (f"{duration - warmup} {sum(r[3] for r in window)} {len(window)} {moved}\n"
            f"{len(records)} {nearest_rank(latencies, 50):.3f} {nearest_rank(latencies, 90):.3f} "
            f"{nearest_rank(latencies, 99):.3f} {ttfb}")


def own(stdout_path, stderr_path, wall, nbytes, ops, benchdata=None, warmup=None, duration=None):
    if benchdata:
        return warp_own(benchdata, float(warmup), float(duration))
    with open(stdout_path, errors="replace") as f:
        out = f.read()
    with open(stderr_path, errors="replace") as f:
        err = f.read()
    try:
        report = json.loads(out)
    except ValueError:
        report = None
    if isinstance(report, dict) and "operations" in report:
        # s3-cli bench: its window (warm-up excluded) for the rates; the whole process for CPU per byte.
        # mixed reports each operation apart: its rates are their sums, its latencies those of GET.
        ops_ = report["operations"]
        op = next((o for o in ops_ if o["op"] == report["command"]), None) or next(o for o in ops_ if o["op"] == "get")
        errors = {k: v for o in ops_ for k, v in o["errors"].items()}
        if errors:
            sys.exit(f"s3-cli bench reported errors: {errors}")
        moved = int(nbytes) + report["total_ops"] * report["object_size"]
        lat = op["latency_ms"]
        ttfb = f"{op['ttfb_ms']['p50']:.3f}" if "ttfb_ms" in op else "-"
        prepared = int(nbytes) // report["object_size"]
        return (f"{op['seconds']} {sum(o['bytes'] for o in ops_)} {sum(o['ops'] for o in ops_)} {moved}\n"
                f"{report['total_ops'] + prepared} {lat['p50']:.3f} {lat['p90']:.3f} {lat['p99']:.3f} {ttfb}")
    seconds = wall
    for text in (out, err):
        lines = text.strip().splitlines()
        if not lines:
            continue
        last = lines[-1].strip()
        m = re.search(r'"seconds": ?([0-9.eE+-]+)', last)
        if m:
            seconds = m.group(1)
        elif re.fullmatch(r"[0-9]+(\.[0-9]+)?", last):
            seconds = last
    return f"{seconds} {nbytes} {ops} {nbytes}"


def medians(path):
    rows = collections.OrderedDict()
    with open(path) as f:
        for line in f:
            name, secs, nbytes, ops, cpu_bytes, user, sys_, rss, *loadgen = line.split()
            secs, cpu_s = float(secs), float(user) + float(sys_)
            run = {"mb_s": int(nbytes) / secs / 1e6, "mib_s": int(nbytes) / secs / (1 << 20),
                   "ops_s": int(ops) / secs, "cpu_s_per_gb": cpu_s / (int(cpu_bytes) / 1e9) if int(cpu_bytes) else 0.0,
                   "rss_mib": int(rss) / 1024}
            if loadgen:
                cpu_ops, p50, p90, p99, ttfb = loadgen
                run.update(cpu_ops=int(cpu_ops), cpu_s_per_kop=cpu_s / (int(cpu_ops) / 1e3), p50_ms=float(p50), p90_ms=float(p90),
                           p99_ms=float(p99), ttfb_p50_ms=None if ttfb == "-" else float(ttfb))
            rows.setdefault(name, []).append(run)
    out = {}
    for name, runs in rows.items():
        out[name] = {key: (statistics.median(r[key] for r in runs) if runs[0][key] is not None else None)
                     for key in runs[0]}
        out[name]["runs"] = len(runs)
    return out


def table(path):
    lines = ["| client | MB/s | CPU-s/GB | peak RSS MiB | runs |", "|---|---:|---:|---:|---:|"]
    for name, m in medians(path).items():
        lines.append(f"| {name} | {m['mb_s']:.0f} | {m['cpu_s_per_gb']:.2f} | {m['rss_mib']:.0f} | {m['runs']} |")
    return "\n".join(lines)


def main(argv):
    if argv[:1] == ["own"] and len(argv) in (6, 9):
        print(own(*argv[1:]))
    elif argv[:1] == ["table"] and len(argv) == 2:
        print(table(argv[1]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
