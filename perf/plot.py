"""perf/plot's work: s3-cli bench --csv files in, one PNG out (through gnuplot), optionally the data table
the plot is drawn from. Run it as perf/plot, which installs gnuplot when it is missing.

  perf/plot -o OUT.png [--data TABLE.tsv] A.csv [B.csv ...]

Top: throughput over time, one line per file and operation: MiB/s in each whole second of the run (by the
second in which each successful operation ended; the warm-up is included, the plot shows it), operations
that move no bytes (stat, delete, list) as operations/s on the right axis. Bottom: latency p50 / p90 / p99
(nearest rank, successful operations) per file and operation.

The table (--data) has one line per second and series, "second FILE OP SECOND BYTES OPS MIB_PER_S", and
one per series, "latency FILE OP COUNT P50_MS P90_MS P99_MS", tab-separated.
"""
import argparse
import collections
import csv
import math
import os
import subprocess
import sys
import tempfile

# Every rank's operations of a bench run under mpirun share one time origin, so they plot together.
COLUMNS = ["op", "start_s", "end_s", "bytes", "ttfb_s", "status", "rank"]


class Malformed(Exception):
    pass


def read_csv(path):
    """(op, start, end, bytes, ok) of every row; Malformed names the file and line of the first problem."""
    try:
        f = open(path, newline="")
    except OSError as e:
        raise Malformed(f"{path}: {e.strerror}") from None
    with f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != COLUMNS:
            raise Malformed(f"{path}: not an s3-cli bench --csv file (header {','.join(header or ['(empty)'])!r}, "
                            f"expected {','.join(COLUMNS)!r})")
        rows = []
        for line, row in enumerate(reader, start=2):
            if len(row) != len(COLUMNS):
                raise Malformed(f"{path} line {line}: {len(row)} fields, expected {len(COLUMNS)}")
            op, start, end, nbytes, _, status, _ = row
            try:
                start, end, nbytes = float(start), float(end), int(nbytes)
            except ValueError:
                raise Malformed(f"{path} line {line}: start_s, end_s or bytes is not a number") from None
            if not op or not status or end < start or start < 0 or nbytes < 0:
                raise Malformed(f"{path} line {line}: empty op or status, negative number, or end before start")
            rows.append((op, start, end, nbytes, status == "OK"))
    if not rows:
        raise Malformed(f"{path}: no operations")
    return rows


def nearest_rank(sorted_values, p):
    return sorted_values[max(math.ceil(p / 100 * len(sorted_values)), 1) - 1]


def series_of(files):
    """{(label, op): {"seconds": [(bytes, ops)...], "latency": [...] }} in file order."""
    names = [os.path.basename(p) for p in files]
    labels = [n if names.count(n) == 1 else p for n, p in zip(names, files)]
    out = collections.OrderedDict()
    for label, path in zip(labels, files):
        rows = read_csv(path)
        last = int(max(r[2] for r in rows))
        for op in dict.fromkeys(r[0] for r in rows):
            seconds = [[0, 0] for _ in range(last + 1)]
            latencies = []
            for o, start, end, nbytes, ok in rows:
                if o != op or not ok:
                    continue
                seconds[int(end)][0] += nbytes
                seconds[int(end)][1] += 1
                latencies.append((end - start) * 1e3)
            latencies.sort()
            out[(label, op)] = {"seconds": seconds, "latency": latencies}
    return out


def write_table(series, path):
    with open(path, "w") as f:
        for (label, op), s in series.items():
            for second, (nbytes, ops) in enumerate(s["seconds"]):
                f.write(f"second\t{label}\t{op}\t{second}\t{nbytes}\t{ops}\t{nbytes / 1048576:.6f}\n")
        for (label, op), s in series.items():
            lat = s["latency"]
            p = [f"{nearest_rank(lat, q):.3f}" if lat else "nan" for q in (50, 90, 99)]
            f.write(f"latency\t{label}\t{op}\t{len(lat)}\t" + "\t".join(p) + "\n")


def gnuplot_script(series, out):
    quote = lambda s: s.replace("\\", "\\\\").replace('"', '\\"')  # noqa: E731
    lines = [f"set terminal pngcairo size 1200,900 font 'sans,9'", f'set output "{quote(out)}"',
             "set multiplot layout 2,1", "set grid", "set key outside right top noenhanced"]
    # Throughput over time.
    plots = []
    byteless = False
    for i, ((label, op), s) in enumerate(series.items()):
        moves = any(b for b, _ in s["seconds"])
        byteless |= not moves
        lines.append(f"$t{i} << EOD")
        lines += [f"{sec} {b / 1048576:.6f} {n}" for sec, (b, n) in enumerate(s["seconds"])]
        lines.append("EOD")
        column, axes, unit = ("2", "x1y1", "MiB/s") if moves else ("3", "x1y2", "ops/s")
        plots.append(f'$t{i} using 1:{column} axes {axes} with linespoints pt 7 ps 0.5 title "{quote(label)} {op} ({unit})"')
    lines += ["set title 'throughput per second (by the second each operation ended)'", "set xlabel 'second of the run'",
              "set ylabel 'MiB/s'", "set yrange [0:*]"]
    if byteless:
        lines += ["set y2label 'operations/s'", "set y2range [0:*]", "set y2tics"]
    lines.append("plot " + ", \\\n  ".join(plots))
    lines += ["unset y2label", "unset y2tics", "unset xlabel"]
    # Latency percentiles: three bars per series.
    names = list(series)
    values = [v for s in series.values() for v in
              ([nearest_rank(s["latency"], q) for q in (50, 90, 99)] if s["latency"] else [])]
    lines += ["set title 'latency of successful operations (nearest rank)'", "set ylabel 'ms'",
              "set style fill solid 0.8 border -1", "set boxwidth 0.25", "set xtics noenhanced rotate by -20 left",
              f"set xrange [-0.6:{len(names) - 0.4}]"]
    if values and min(values) > 0 and max(values) / min(values) > 50:
        lines += ["set logscale y", "set yrange [*:*]"]
    lines.append("$lat << EOD")
    for i, (label, op) in enumerate(names):
        lat = series[(label, op)]["latency"]
        p = [nearest_rank(lat, q) if lat else float("nan") for q in (50, 90, 99)]
        lines.append(f'{i} "{quote(label)} {op}" {p[0]:.3f} {p[1]:.3f} {p[2]:.3f}')
    lines.append("EOD")
    lines.append("plot $lat using ($1-0.27):3:xtic(2) with boxes title 'p50', "
                 "'' using 1:4 with boxes title 'p90', '' using ($1+0.27):5 with boxes title 'p99'")
    lines.append("unset multiplot")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(prog="perf/plot", description="Plot s3-cli bench --csv files into a PNG.")
    parser.add_argument("-o", "--output", required=True, help="the PNG to write")
    parser.add_argument("--data", help="also write the table the plot is drawn from")
    parser.add_argument("csv", nargs="+", help="s3-cli bench --csv files (several: compared)")
    args = parser.parse_args()
    try:
        series = series_of(args.csv)
    except Malformed as e:
        sys.exit(f"perf/plot: {e}")
    if args.data:
        write_table(series, args.data)
    with tempfile.NamedTemporaryFile("w", suffix=".gp", delete=False) as f:
        f.write(gnuplot_script(series, args.output))
    try:
        res = subprocess.run(["gnuplot", f.name], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if res.returncode != 0:
        first = (res.stderr.strip().splitlines() or ["(no message)"])[-1]
        sys.exit(f"perf/plot: gnuplot failed: {first}")


if __name__ == "__main__":
    main()
