# shellcheck shell=bash
# Shared by the benchmark scripts (sourced, not run). The sourcing script sets `work` (a scratch directory
# on tmpfs) and `results` (the file measure appends to) before it measures.
perf_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The peers and tools the benchmarks compare against, and gnuplot for perf/plot, installed from Debian
# when missing. With arguments: only those packages.
bench_packages=(nginx-light curl rclone python3-awscrt time gnuplot-nox)
ensure_bench_packages() {
  local p
  [ $# -gt 0 ] || set -- "${bench_packages[@]}"
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$p" >&2
  done
}

# at_exit CMD: run CMD when the script exits, the last registered first (one EXIT trap for every helper).
perf_exit_cmds=()
at_exit() {
  perf_exit_cmds+=("$1")
  trap perf_run_exit_cmds EXIT
}
perf_run_exit_cmds() {
  local i
  for ((i = ${#perf_exit_cmds[@]} - 1; i >= 0; i--)); do eval "${perf_exit_cmds[i]}" || true; done
}

# start_null_s3 STATE_DIR PORT: nginx as the null S3 of perf/nulls3.conf, stopped at exit. GET and HEAD of
# any key serve STATE_DIR/data/object; ListObjectsV2 serves STATE_DIR/data/list/N.xml.
start_null_s3() {
  local state=$1 port=$2 i
  mkdir -p "$state/data/list"
  sed -e "s|@PORT@|$port|g" -e "s|@STATE@|$state|g" "$perf_dir/nulls3.conf" >"$state/nginx.conf"
  nginx -c "$state/nginx.conf" -p "$state"
  at_exit "kill \$(cat '$state/nginx.pid') 2>/dev/null"
  for i in $(seq 50); do
    curl -sf -o /dev/null -X DELETE "http://127.0.0.1:$port/bucket/key" && return 0
    sleep 0.1
  done
  echo "the null S3 on port $port does not answer (see $state/error.log)" >&2
  return 1
}

# measure NAME BYTES OPS CMD...: runs CMD once under GNU time and appends to $results one line,
#   NAME SECONDS BYTES OPS CPU_BYTES USER_S SYS_S PEAK_RSS_KIB
# SECONDS is the tool's own when it prints one (a last line that is a number, or a driver's JSON), else
# the wall clock. s3-cli bench's --json report gives its own SECONDS, BYTES and OPS (the measured window);
# BYTES is then what it moved before the run (get's preparation). CPU_BYTES is everything the process
# moved, the base of CPU-s per GB. A failure prints the end of CMD's stderr and returns 1 (under set -e,
# the end of the script unless the caller handles it).
# shellcheck disable=SC2154  # work and results belong to the sourcing script
measure() {
  local name=$1 bytes=$2 ops=$3 e u s m own
  shift 3
  if ! /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr"; then
    echo "$name failed: $*" >&2
    tail -n 5 "$work/stderr" >&2
    return 1
  fi
  read -r e u s m <"$work/time"
  own=$(python3 "$perf_dir/results.py" own "$work/stdout" "$work/stderr" "$e" "$bytes" "$ops")
  echo "$name $own $u $s $m" >>"$results"
}

# results_table: the medians of every NAME in $results as a Markdown table (MB/s, CPU-s/GB, peak RSS
# MiB, runs).
# shellcheck disable=SC2154
results_table() {
  python3 "$perf_dir/results.py" table "$results"
}
