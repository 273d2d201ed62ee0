"""The numbers side of perf/lib.sh's measure and results_table (stdlib only).

  python3 perf/results.py own STDOUT STDERR WALL_S BYTES OPS
      one measured run's "SECONDS BYTES OPS CPU_BYTES" (see measure in lib.sh)
  python3 perf/results.py table RESULTS
      medians per name as a Markdown table (perf/compare_report.py imports medians)
"""
import collections
import json
import re
import statistics
import sys


def own(stdout_path, stderr_path, wall, nbytes, ops):
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
        op = next(o for o in report["operations"] if o["op"] == report["command"])
        if op["errors"]:
            sys.exit(f"s3-cli bench reported errors: {op['errors']}")
        moved = int(nbytes) + report["total_ops"] * report["object_size"]
        return f"{op['seconds']} {op['bytes']} {op['ops']} {moved}"
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
            name, secs, nbytes, ops, cpu_bytes, user, sys_, rss = line.split()
            secs = float(secs)
            cpu = (float(user) + float(sys_)) / (int(cpu_bytes) / 1e9) if int(cpu_bytes) else 0.0
            rows.setdefault(name, []).append((int(nbytes) / secs / 1e6, int(ops) / secs, cpu, int(rss) / 1024))
    return {name: {"mb_s": statistics.median(r[0] for r in runs),
                   "ops_s": statistics.median(r[1] for r in runs),
                   "cpu_s_per_gb": statistics.median(r[2] for r in runs),
                   "rss_mib": statistics.median(r[3] for r in runs),
                   "runs": len(runs)}
            for name, runs in rows.items()}


def table(path):
    lines = ["| client | MB/s | CPU-s/GB | peak RSS MiB | runs |", "|---|---:|---:|---:|---:|"]
    for name, m in medians(path).items():
        lines.append(f"| {name} | {m['mb_s']:.0f} | {m['cpu_s_per_gb']:.2f} | {m['rss_mib']:.0f} | {m['runs']} |")
    return "\n".join(lines)


def main(argv):
    if argv[:1] == ["own"] and len(argv) == 6:
        print(own(*argv[1:]))
    elif argv[:1] == ["table"] and len(argv) == 2:
        print(table(argv[1]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
