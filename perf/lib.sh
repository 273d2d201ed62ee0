# shellcheck shell=bash
# Shared by the benchmark scripts (sourced, not run). The sourcing script sets `work` (a scratch directory
# on tmpfs) and `results` (the file measure appends to) before it measures.
perf_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The peers and tools the benchmarks compare against, and gnuplot for perf/plot, installed from Debian
# when missing. With arguments: only those packages.
bench_packages=(nginx-light curl rclone python3-awscrt time gnuplot-nox zstd)
ensure_bench_packages() {
  local p
  [ $# -gt 0 ] || set -- "${bench_packages[@]}"
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$p" >&2
  done
}

# The peers that no Debian package has, installed once into the perf state directory (on disk, so they
# outlive a reboot's tmpfs; RAWS3_PERF_STATE) and found there by later runs: two Go programs from the Go
# module proxy, built with the Go toolchain, and a virtual environment of Debian's python3 holding the
# PyPI packages. Pinned: a new version is a deliberate change here. ensure_peers leaves, for every peer it
# could not install, the reason in peer_missing[NAME] (the caller gives it a row saying so).
PERF_STATE=${RAWS3_PERF_STATE:-/var/tmp/raws3-perf}
peer_venv=$PERF_STATE/venv
peer_go_bin=$PERF_STATE/go-bin
peer_go_modules=(warp=github.com/minio/warp@v1.0.0 s5cmd=github.com/peak/s5cmd/v2@v2.3.0)
# s3torchconnectorclient is the Mountpoint client that s3torchconnector's S3Reader and S3Writer wrap.
peer_pypi=(s3dlio==0.10.0 s3torchconnectorclient==1.5.0 awscrt==0.38.0 boto3==1.44.5)
# s3torchconnector itself (S3Checkpoint, its datasets) imports torch, whose PyPI wheels bring gigabytes of
# CUDA libraries: it gets a venv of its own that sees Debian's torch (--system-site-packages), installed
# --no-deps because it declares torch >= 2.0.1 and Debian's is 1.13 (the calls perf/ makes work on it).
torch_venv=$PERF_STATE/venv-torch
torch_pypi=(s3torchconnector==1.5.0 s3torchconnectorclient==1.5.0)
declare -A peer_missing=()
ensure_peers() {
  local m
  for m in "${peer_go_modules[@]}"; do ensure_go_peer "${m%%=*}" "${m#*=}" || true; done
  ensure_peer_venv || true
}

# ensure_go_peer NAME MODULE@VERSION: $peer_go_bin/NAME built from MODULE (its main package) at VERSION.
# Not `go install MODULE@VERSION`: that asks the proxy for the module's version list (to warn of a
# deprecation), which the proxy refuses for warp; a scratch module requiring the pinned version builds
# the same code without the list.
ensure_go_peer() {
  local name=$1 module=${2%@*} version=${2#*@} go src log
  [ "$(cat "$peer_go_bin/$name.version" 2>/dev/null)" = "$2" ] && [ -x "$peer_go_bin/$name" ] && return 0
  go=$(command -v go || echo /usr/local/go/bin/go)
  if [ ! -x "$go" ]; then
    peer_missing[$name]="no Go toolchain here to build $2"
    return 1
  fi
  src=$PERF_STATE/src/$name log=$PERF_STATE/src/$name.log
  rm -rf "$src"
  mkdir -p "$src" "$peer_go_bin"
  echo "perf: building $name from $2 (once; cached in $peer_go_bin)" >&2
  if ! (cd "$src" && "$go" mod init "raws3-perf/$name" && "$go" get "$2" &&
    "$go" build -o "$peer_go_bin/$name.new" "$module") >"$log" 2>&1; then
    peer_missing[$name]="go build of $2 failed: $(grep -v '^go: downloading' "$log" | tail -n 1)"
    return 1
  fi
  mv -f "$peer_go_bin/$name.new" "$peer_go_bin/$name"
  echo "$2" >"$peer_go_bin/$name.version"
}

# ensure_peer_venv: $peer_venv with every pin of peer_pypi. Each package is installed alone, so that one
# that cannot be installed costs its own rows only.
ensure_peer_venv() {
  local pin log=$PERF_STATE/venv.log
  [ "$(cat "$peer_venv/pins" 2>/dev/null)" = "${peer_pypi[*]}" ] && return 0
  mkdir -p "$PERF_STATE"
  if [ ! -x "$peer_venv/bin/python" ] && ! /usr/bin/python3 -m venv "$peer_venv" >"$log" 2>&1; then
    ensure_bench_packages python3-venv
    /usr/bin/python3 -m venv "$peer_venv" >"$log" 2>&1 || {
      for pin in "${peer_pypi[@]}"; do peer_missing[${pin%%=*}]="no venv: $(tail -n 1 "$log")"; done
      return 1
    }
  fi
  echo "perf: installing ${peer_pypi[*]} into $peer_venv (once)" >&2
  local all=1
  for pin in "${peer_pypi[@]}"; do
    if ! "$peer_venv/bin/pip" install -q --disable-pip-version-check "$pin" >>"$log" 2>&1; then
      peer_missing[${pin%%=*}]="pip install $pin failed: $(grep -i error "$log" | tail -n 1)"
      all=0
    fi
  done
  [ "$all" = 1 ] && echo "${peer_pypi[*]}" >"$peer_venv/pins"
  [ "$all" = 1 ]
}

# ensure_torch_venv: $torch_venv with torch_pypi, or peer_missing[s3torchconnector] saying why not.
ensure_torch_venv() {
  local log=$PERF_STATE/venv-torch.log
  [ "$(cat "$torch_venv/pins" 2>/dev/null)" = "${torch_pypi[*]}" ] && return 0
  mkdir -p "$PERF_STATE"
  ensure_bench_packages python3-venv python3-torch
  if /usr/bin/python3 -m venv --system-site-packages "$torch_venv" >"$log" 2>&1 &&
    "$torch_venv/bin/pip" install -q --disable-pip-version-check --no-deps "${torch_pypi[@]}" >>"$log" 2>&1; then
    echo "${torch_pypi[*]}" >"$torch_venv/pins"
    return 0
  fi
  peer_missing[s3torchconnector]="pip install ${torch_pypi[*]} failed: $(grep -i error "$log" | tail -n 1)"
  return 1
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

# start_null_s3 STATE_DIR PORT [ADDRESS NETNS]: nginx as the null S3 of perf/nulls3.conf, stopped at exit,
# on 127.0.0.1 or on ADDRESS inside network namespace NETNS. GET and HEAD of any key serve
# STATE_DIR/data/object; ListObjectsV2 serves STATE_DIR/data/list/N.xml.
start_null_s3() {
  local state=$1 port=$2 address=${3:-127.0.0.1} in_ns=() i
  [ -n "${4:-}" ] && in_ns=(ip netns exec "$4")
  mkdir -p "$state/data/list"
  sed -e "s|@PORT@|$port|g" -e "s|@STATE@|$state|g" -e "s|@ADDRESS@|$address|g" "$perf_dir/nulls3.conf" \
    >"$state/nginx.conf"
  "${in_ns[@]}" nginx -c "$state/nginx.conf" -p "$state"
  at_exit "kill \$(cat '$state/nginx.pid') 2>/dev/null"
  for i in $(seq 50); do
    "${in_ns[@]}" curl -sf -o /dev/null -X DELETE "http://$address:$port/bucket/key" && return 0
    sleep 0.1
  done
  echo "the null S3 on port $port does not answer (see $state/error.log)" >&2
  return 1
}

# measure NAME BYTES OPS CMD...: runs CMD once under GNU time and appends to $results one line,
#   NAME SECONDS BYTES OPS CPU_BYTES USER_S SYS_S PEAK_RSS_KIB [CPU_OPS P50_MS P90_MS P99_MS TTFB_P50_MS]
# SECONDS is the tool's own when it prints one (a last line that is a number, or a driver's JSON), else
# the wall clock. A load generator's report gives its own SECONDS, BYTES and OPS (the measured window) and
# the bracketed fields: s3-cli bench's --json on stdout (BYTES is then what it moved before the run, get's
# preparation), or warp's --benchdata file, named with its window by setting warp_window="FILE WARMUP_S
# DURATION_S" for the call. CPU_BYTES is everything the process moved, the base of CPU-s per GB; CPU_OPS
# every request it made, the base of CPU-s per 1,000 operations. A failure prints the end of CMD's
# stderr and returns 1 (under set -e, the end of the script unless the caller handles it).
# shellcheck disable=SC2154  # work and results belong to the sourcing script
measure() {
  local name=$1 bytes=$2 ops=$3 e u s m own base extra
  shift 3
  if ! /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr"; then
    echo "$name failed: $*" >&2
    tail -n 5 "$work/stderr" >&2
    return 1
  fi
  read -r e u s m <"$work/time"
  # shellcheck disable=SC2086  # warp_window is three words
  own=$(python3 "$perf_dir/results.py" own "$work/stdout" "$work/stderr" "$e" "$bytes" "$ops" ${warp_window:-}) ||
    return 1
  { read -r base; read -r extra || true; } <<<"$own"
  echo "$name $base $u $s $m${extra:+ $extra}" >>"$results"
}

# results_table: the medians of every NAME in $results as a Markdown table (MB/s, CPU-s/GB, peak RSS
# MiB, runs).
# shellcheck disable=SC2154
results_table() {
  python3 "$perf_dir/results.py" table "$results"
}

# timed NAME CMD...: one line "NAME wall cpu rss_kib server_cpu" into $work/times: wall and CPU-seconds
# (user + system) and peak RSS of the whole process (GNU time), and the CPU-seconds the server of PID
# $server_pid spent meanwhile (/proc/PID/stat). CMD's output goes to $work/out and $work/err.
# shellcheck disable=SC2154  # work and server_pid belong to the sourcing script
timed() {
  local name=$1 e u s m before
  shift
  before=$(server_cpu)
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
    echo "$name failed:" >&2; tail -n 3 "$work/err" >&2; return 1; }
  read -r e u s m <"$work/time"
  echo "$name $e $(python3 -c "print($u + $s)") $m $(python3 -c "print($(server_cpu) - $before)")" >>"$work/times"
}
server_cpu() { process_cpu "$server_pid"; }
# process_cpu PID: the CPU-seconds (user + system) process PID has spent so far.
process_cpu() {
  python3 -c "import os; f=open('/proc/$1/stat').read().rsplit(')',1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK'))"
}

# times_table COLUMN BASE: the medians of $work/times ("WORKLOAD VARIANT wall cpu rss server" lines, timed's)
# as a Markdown table, one row per workload and variant (the COLUMN, e.g. "client"), each wall time also
# as a ratio to the BASE variant's of the same workload.
# shellcheck disable=SC2154
times_table() {
  python3 - "$work/times" "$1" "$2" <<'PY'
import collections, statistics, sys
times, column, base = sys.argv[1:]
rows = collections.defaultdict(list)
for line in open(times):
    workload, variant, wall, cpu, rss, server = line.split()
    rows[(workload, variant)].append((float(wall), float(cpu), int(rss), float(server)))
print(f"| workload | {column} | seconds | time / {base}'s | CPU-s | peak RSS MiB | server CPU-s | runs |")
print("|---|---|---|---|---|---|---|---|")
for (workload, variant), runs in rows.items():
    median = lambda i: statistics.median(r[i] for r in runs)
    ratio = f"{median(0) / statistics.median(r[0] for r in rows[(workload, base)]):.2f}" if variant != base else ""
    print(f"| {workload} | {variant} | {median(0):.3f} | {ratio} | {median(1):.2f} | {median(2) / 1024:.0f} | "
          f"{median(3):.2f} | {len(runs)} |")
PY
}
