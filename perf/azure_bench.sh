#!/usr/bin/env bash
# az:// against Azurite (tests/servers/azurite.sh start), s3-cli beside the Python azure-storage-blob SDK
# (Debian's, perf/azure_sdk_bench.py: max_concurrency 16, or 16 threads for many blobs), in one run:
#   put-1g / get-1g            one 1 GiB blob up (blocks of 8 MiB) and down to /dev/shm (checked)
#   put-1000x64k / get-1000x64k  1,000 blobs of 64 KiB up with cp -r and down (checked)
# Wall seconds, CPU-seconds (user + system) and peak RSS of the whole process (GNU time), and the CPU-seconds
# Azurite spent meanwhile (/proc/PID/stat): Azurite is one Node.js process, and where its CPU-s come
# near the wall time, it is the bottleneck. Medians of RUNS. azcopy is not in the run: see perf/README.md.
#
#   perf/azure_bench.sh [BUILD_DIR]     env: RUNS (3)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
cli=$build/tools/s3-cli
RUNS=${RUNS:-3}
# shellcheck source=lib.sh
. "$top/perf/lib.sh"
[ -x "$cli" ] || { echo "perf/azure_bench.sh: no $cli (build first: dev/build)" >&2; exit 1; }
env_file=${RAWS3_TEST_STATE:-/tmp/raws3-test}/azurite/env
[ -f "$env_file" ] || { echo "perf/azure_bench.sh: no Azurite ($env_file): tests/servers/azurite.sh start" >&2; exit 1; }
# shellcheck disable=SC1090
. "$env_file"
sdk=(/usr/bin/python3 "$top/perf/azure_sdk_bench.py")
s3cli=("$cli" --no-progress --quiet --part-size 8MiB)
work=/dev/shm/raws3-azure-bench-$(id -u)
rm -rf "$work"
mkdir -p "$work"
container=raws3-azure-bench-$$
"${s3cli[@]}" mb "az://$container"
trap '"${s3cli[@]}" rb --force "az://$container" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
server_pid=$(cat "${env_file%/env}/pid")

head -c $((1 << 30)) /dev/urandom >"$work/big"
big_sum=$(sha256sum <"$work/big")
mkdir -p "$work/small"
for i in $(seq -w 1 1000); do head -c 65536 /dev/urandom >"$work/small/f$i"; done
small_sum=$(cat "$work/small"/* | sha256sum)
check_big() { [ "$(sha256sum <"$work/big.down")" = "$big_sum" ] || { echo "$1: 1 GiB differs" >&2; exit 1; }; rm -f "$work/big.down"; }
check_small() {
  [ "$(cat "$work/small.down"/* | sha256sum)" = "$small_sum" ] || { echo "$1: the small blobs differ" >&2; exit 1; }
  rm -rf "$work/small.down"
}

: >"$work/times"
for run in $(seq "$RUNS"); do
  echo "run $run of $RUNS" >&2
  timed "put-1g s3-cli" "${s3cli[@]}" cp "$work/big" "az://$container/cli/big"
  timed "put-1g sdk" "${sdk[@]}" put-one "$container" sdk/big "$work/big"
  timed "get-1g s3-cli" "${s3cli[@]}" cp "az://$container/cli/big" "$work/big.down"
  check_big s3-cli
  timed "get-1g sdk" "${sdk[@]}" get-one "$container" sdk/big "$work/big.down"
  check_big sdk
  timed "put-1000x64k s3-cli" "${s3cli[@]}" cp -r "$work/small" "az://$container/cli/small/"
  timed "put-1000x64k sdk" "${sdk[@]}" put-many "$container" sdk/small/ "$work/small"
  timed "get-1000x64k s3-cli" "${s3cli[@]}" cp -r "az://$container/cli/small/" "$work/small.down"
  check_small s3-cli
  timed "get-1000x64k sdk" "${sdk[@]}" get-many "$container" sdk/small/ "$work/small.down"
  check_small sdk
done

times_table client sdk
