#!/usr/bin/env bash
# s3-cli bench across hosts beside warp's distributed mode, on the same server, in one run: GETs of 64 KiB
# objects from the null S3 (perf/nulls3.conf, nginx) in a network namespace of its own, load generators in
# two more (tests/tools/netns_lan.sh: three namespaces on a bridge, each its own address).
#   s3-cli-1   s3-cli bench get as one MPI rank on host 1
#   s3-cli-2   s3-cli bench get as two ranks, one per host (Open MPI's launcher through ip netns exec)
#   warp-2     warp get from `warp client` agents on both hosts, coordinated from the server's namespace
# Each reports objects/s and its p50/p99, and the run its CPU-seconds: the load generator's (every rank or
# agent, and mpirun or warp's coordinator) and the null S3's (its nginx worker), against the wall time;
# the truth is computed from its own raw per-operation records
# (s3-cli's --csv of every rank, warp's --benchdata), so the merged percentiles can be checked: s3-cli
# sums histograms; warp v1.0.0 (the release the Go module proxy serves) downloads every agent's operations
# to its coordinator and analyses them together (`warp analyze`), printing whole milliseconds.
#
#   perf/mpi_bench.sh [BUILD_DIR]      (default: build; s3-cli built with -Dmpi)
#   env: RUNS (3), DURATION (10: seconds per run, the first one a warm-up), CONCURRENT (16 in all, shared
#        by the ranks or agents), OBJECTS (64), PORT (8080)
# The "hosts" are namespaces of this one machine: they share its cores with each other and with the
# server, which the table's note must say when two hosts cannot double one.
# Needs root (network namespaces), mpirun, nginx; warp is built once from the Go module proxy (lib.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
cli=$build/tools/s3-cli
RUNS=${RUNS:-3}; DURATION=${DURATION:-10}; CONCURRENT=${CONCURRENT:-16}; OBJECTS=${OBJECTS:-64}
PORT=${PORT:-8080}
# shellcheck source=lib.sh
. "$top/perf/lib.sh"
ensure_bench_packages
command -v mpirun >/dev/null || { echo "perf/mpi_bench.sh: no mpirun (Debian: openmpi-bin)" >&2; exit 1; }
ldd "$cli" | grep libmpi >/dev/null || { echo "perf/mpi_bench.sh: $cli was built without MPI (-Dmpi)" >&2; exit 1; }
ensure_go_peer warp "github.com/minio/warp@v1.0.0" || { echo "perf/mpi_bench.sh: ${peer_missing[warp]}" >&2; exit 1; }
warp=$peer_go_bin/warp

work=/dev/shm/raws3-mpi-bench-$(id -u)
rm -rf "$work"
mkdir -p "$work"
lan=$top/tests/tools/netns_lan.sh
prefix=raws3-perf-$$ subnet=10.78.0
"$lan" up "$prefix" "$subnet" 2
at_exit "'$lan' down '$prefix' 2"
server_ns=$prefix-s hosts=("$prefix-h1" "$prefix-h2")
start_null_s3 "$work/state" "$PORT" "$subnet.1" "$server_ns"
head -c 65536 /dev/urandom >"$work/state/data/object"
endpoint=http://$subnet.1:$PORT
server_pid=$(pgrep -P "$(cat "$work/state/nginx.pid")")  # the one worker (worker_processes 1)

export AWS_ACCESS_KEY_ID=null AWS_SECRET_ACCESS_KEY=null AWS_EC2_METADATA_DISABLED=true
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
results=$work/results
: >"$results"

# The CPU-seconds and wall time of a run: "CLIENT_CPU SERVER_CPU WALL".
cpu_line() {
  python3 -c "print(f'{$1:.2f} {$2:.2f} {$3:.2f}')"
}

s3cli_run() {
  local ranks=$1 run=$2 hostfile=$work/hosts k server0 e u s
  : >"$hostfile"
  for ((k = 1; k <= ranks; k++)); do echo "${hosts[k - 1]} slots=1" >>"$hostfile"; done
  server0=$(server_cpu)
  # GNU time sees mpirun; each rank reports its own CPU (the launcher's daemons detach from it).
  if ! /usr/bin/time -f "%e %U %S" -o "$work/time" ip netns exec "$server_ns" mpirun -np "$ranks" --map-by node --hostfile "$hostfile" \
      --mca plm_rsh_agent "$lan rsh" --mca oob_tcp_if_include "$subnet.0/24" \
      --mca btl_tcp_if_include "$subnet.0/24" --mca btl self,tcp \
      "$cli" --endpoint-url "$endpoint" --region us-east-1 --json bench get --bucket bucket \
      --concurrent "$CONCURRENT" --objects "$OBJECTS" --obj.size 64KiB --duration "${DURATION}s" --warmup 1s \
      --csv "$work/ops.csv" >"$work/report.json" 2>"$work/stderr"; then
    echo "s3-cli-$ranks failed:" >&2
    tail -n 5 "$work/stderr" >&2
    return 1
  fi
  read -r e u s <"$work/time"
  local figures ranks_cpu
  read -r -a figures < <(python3 "$perf_dir/mpi_truth.py" s3cli "$work/report.json" "$work/ops.csv")
  ranks_cpu=${figures[5]}
  echo "s3-cli-$ranks $run ${figures[*]:0:5} $(cpu_line "$u + $s + $ranks_cpu" "$(server_cpu) - $server0" "$e")" \
    >>"$results"
}

warp_run() {
  local run=$1 k clients=() agents=() server0 e u s agent_cpu
  for k in 1 2; do
    ip netns exec "${hosts[k - 1]}" "$warp" client "$subnet.$((k + 1)):7761" >"$work/agent$k.log" 2>&1 &
    agents+=($!)
    at_exit "kill $! 2>/dev/null"
    clients+=("$subnet.$((k + 1)):7761")
  done
  sleep 1
  server0=$(server_cpu)
  # warp's --concurrent is per agent: half the total each, as the ranks share it.
  if ! /usr/bin/time -f "%e %U %S" -o "$work/time" ip netns exec "$server_ns" "$warp" get --warp-client "$(IFS=,; echo "${clients[*]}")" \
      --host "$subnet.1:$PORT" --access-key null --secret-key null --bucket bucket --noclear \
      --obj.size 64KiB --objects "$OBJECTS" --concurrent $((CONCURRENT / 2)) --duration "$((DURATION + 1))s" \
      --disable-sha256-payload --benchdata "$work/warp" >"$work/warp.out" 2>&1; then
    echo "warp-2 failed:" >&2
    tail -n 5 "$work/warp.out" >&2
    return 1
  fi
  read -r e u s <"$work/time"
  # ip netns exec became the agent (exec): its pid is the agent's.
  agent_cpu=$(python3 -c "print($(process_cpu "${agents[0]}") + $(process_cpu "${agents[1]}"))")
  local cpu
  cpu=$(cpu_line "$u + $s + $agent_cpu" "$(server_cpu) - $server0" "$e")
  # Its request percentiles, over every agent's operations after the first second.
  "$warp" analyze --analyze.op GET --analyze.v --analyze.skip 1s "$work/warp.csv.zst" >"$work/warp.analysis" 2>&1
  echo "warp-2 $run $(python3 "$perf_dir/mpi_truth.py" warp "$work/warp.analysis" "$work/warp.csv.zst" 1 "$((DURATION + 1))") $cpu" \
    >>"$results"
  kill "${agents[@]}" 2>/dev/null || true
}

for run in $(seq "$RUNS"); do
  s3cli_run 1 "$run"
  s3cli_run 2 "$run"
  warp_run "$run"
done

python3 - "$results" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, _, *v = line.split()
    rows[name].append([float(x) for x in v])
med = {n: [statistics.median(col) for col in zip(*r)] for n, r in rows.items()}
one = med["s3-cli-1"][0]
print("| load generator | objects/s | vs one rank | p50 ms (true) | p99 ms (true) | p50 error | p99 error "
      "| client CPU-s | server CPU-s | wall s | runs |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for name, (rate, p50, p99, t50, t99, client, server, wall) in med.items():
    print(f"| {name} | {rate:.0f} | {rate / one:.2f}x | {p50:.3f} ({t50:.3f}) | {p99:.3f} ({t99:.3f}) | "
          f"{(p50 - t50) / t50 * 100:+.1f}% | {(p99 - t99) / t99 * 100:+.1f}% | {client:.1f} | {server:.1f} | "
          f"{wall:.1f} | {len(rows[name])} |")
PY
