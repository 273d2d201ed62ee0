#!/usr/bin/env bash
# s3-cli on io_uring against s3-cli on epoll (RAWS3_IO=uring / RAWS3_IO=epoll), in the same run, against
# the null S3 (perf/nulls3.conf: nginx reads and drops every body, serves every GET from one file), so
# that the difference is the client's engine:
#   bench put|get of 64 KiB objects (objects/s) and of 8 MiB objects (MB/s): s3-cli bench, its own window
#     (--duration with a 1 s warm-up, --concurrent 32);
#   put and get of one 1 GiB file (tmpfs to the null S3, and back to a file on tmpfs): s3-cli put / get.
# The two engines alternate within each workload, the first of them swapping every run; RUNS times,
# medians. CPU-s/GB and peak RSS are the whole s3-cli process's (GNU time, perf/lib.sh's measure); for
# bench its CPU is divided by everything it moved, preparation and warm-up included.
#
#   perf/engine_bench.sh [BUILD_DIR]     (default: build; needs its tools/s3-cli)
#   env: RUNS (3), LARGE_MB (1024), BENCH_S (5), PORT (8480)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
cli=$build/tools/s3-cli
[ -x "$cli" ] || { echo "perf/engine_bench.sh: no $cli (build first: dev/build)" >&2; exit 1; }
RUNS=${RUNS:-3} LARGE_MB=${LARGE_MB:-1024} BENCH_S=${BENCH_S:-5} PORT=${PORT:-8480}

# shellcheck source=lib.sh
. "$top/perf/lib.sh"
ensure_bench_packages nginx-light curl time
work=/dev/shm/raws3-engine-bench-$(id -u)
rm -rf "$work"
mkdir -p "$work"
at_exit "rm -rf '$work'"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "perf/engine_bench.sh: port $PORT is taken; set PORT" >&2
  exit 1
fi
null=$work/null
start_null_s3 "$null" "$PORT"

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 RAWS3_IO
s3cli=("$cli" --endpoint-url "http://127.0.0.1:$PORT" --no-progress)
head -c 65536 /dev/urandom >"$work/64k.bin"
head -c $((8 << 20)) /dev/urandom >"$work/8m.bin"
head -c $((LARGE_MB << 20)) /dev/urandom >"$null/data/key"
large=$((LARGE_MB << 20))
results=$work/results
: >"$results"

# workload NAME BYTES OPS CMD...: CMD once per engine, in this run's order, as NAME-io_uring / NAME-epoll.
order=(uring epoll)
workload() {
  local name=$1 bytes=$2 ops=$3 io
  shift 3
  for io in "${order[@]}"; do
    rm -f "$work/out"
    measure "$name-$io" "$bytes" "$ops" env RAWS3_IO="$io" "$@"
  done
  rm -f "$work/out"
}
bench() {  # the s3-cli bench command line for put|get SIZE OBJECTS, into $command
  command=("${s3cli[@]}" --json bench "$1" --bucket bucket --obj.size "$2" --objects "$3" --concurrent 32
    --duration "${BENCH_S}s" --warmup 1s)
}

for i in $(seq "$RUNS"); do
  echo "run $i of $RUNS: ${order[*]}" >&2
  bench put 64KiB 1000 && workload bench-put-64KiB 0 0 "${command[@]}"
  python3 "$top/perf/nulls3_fill.py" "$null/data" "$work/64k.bin" "" 1000
  bench get 64KiB 1000 && workload bench-get-64KiB $((1000 << 16)) 0 "${command[@]}"
  bench put 8MiB 16 && workload bench-put-8MiB 0 0 "${command[@]}"
  python3 "$top/perf/nulls3_fill.py" "$null/data" "$work/8m.bin" "" 16
  bench get 8MiB 16 && workload bench-get-8MiB $((16 << 23)) 0 "${command[@]}"
  workload "put-${LARGE_MB}MiB" "$large" 1 "${s3cli[@]}" -q put "$null/data/key" s3://bucket/key
  workload "get-${LARGE_MB}MiB" "$large" 1 "${s3cli[@]}" -q get s3://bucket/key "$work/out"
  order=("${order[1]}" "${order[0]}")
done

# io_uring and epoll side by side: objects/s for the 64 KiB workloads, MB/s for the others.
python3 - "$top/perf" "$results" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import results
m = results.medians(sys.argv[2])
print("| workload | io_uring | epoll | epoll / io_uring | CPU-s/GB io_uring | CPU-s/GB epoll | peak RSS MiB io_uring | peak RSS MiB epoll |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name in dict.fromkeys(n.rsplit("-", 1)[0] for n in m):
    u, e = m[f"{name}-uring"], m[f"{name}-epoll"]
    key, unit = ("ops_s", "obj/s") if name.endswith("64KiB") else ("mb_s", "MB/s")
    print(f"| {name} ({unit}) | {u[key]:.0f} | {e[key]:.0f} | {e[key] / u[key]:.2f} | {u['cpu_s_per_gb']:.2f} | "
          f"{e['cpu_s_per_gb']:.2f} | {u['rss_mib']:.0f} | {e['rss_mib']:.0f} |")
print(f"\nmedians of {min(r['runs'] for r in m.values())} runs")
PY
