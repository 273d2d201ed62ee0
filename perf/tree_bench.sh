#!/usr/bin/env bash
# The tree commands without a peer row in perf/compare: sync of an unchanged tree and rm -r, s3-cli
# against s5cmd, on the same objects of one MinIO drive (the test servers' MinIO: tests/servers/minio.sh
# start), in one run:
#   sync-unchanged  N files of 64 KiB already uploaded (and older than their objects): s3-cli sync DIR
#                   s3://b/p/ and s5cmd sync DIR/ s3://b/p/, each copying nothing (checked).
#   rm-r            N objects: s3-cli rm -r s3://b/p/ and s5cmd rm 's3://b/p/*' (each run on its own
#                   copy, placed by s3-cli cp -r beforehand, untimed); every key gone (checked).
# Wall seconds, CPU-seconds (user + system) and peak RSS of the whole process (GNU time), and the CPU-seconds
# MinIO spent meanwhile (/proc/PID/stat); medians of RUNS.
#
#   perf/tree_bench.sh [BUILD_DIR]     env: COUNTS ("1000 10000"), RUNS (3)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
cli=$build/tools/s3-cli
COUNTS=${COUNTS:-1000 10000} RUNS=${RUNS:-3}
# shellcheck source=lib.sh
. "$top/perf/lib.sh"
s5cmd=$peer_go_bin/s5cmd
[ -x "$cli" ] || { echo "perf/tree_bench.sh: no $cli (build first: dev/build)" >&2; exit 1; }
[ -x "$s5cmd" ] || { echo "perf/tree_bench.sh: no $s5cmd (perf/compare builds it)" >&2; exit 1; }
env_file=${RAWS3_TEST_STATE:-/tmp/raws3-test}/minio/env
[ -f "$env_file" ] || { echo "perf/tree_bench.sh: no MinIO ($env_file): tests/servers/minio.sh start" >&2; exit 1; }
# shellcheck disable=SC1090
. "$env_file"
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
endpoint=$S3_ENDPOINT
s3cli=("$cli" --endpoint-url "$endpoint" --no-progress --quiet)
s5=("$s5cmd" --endpoint-url "$endpoint" --log error)
work=/dev/shm/raws3-tree-bench-$(id -u)
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
bucket=raws3-tree-bench-$$
"${s3cli[@]}" mb "s3://$bucket"
trap '"${s3cli[@]}" rb --force "s3://$bucket" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

server_pid=$(cat "${env_file%/env}/pid")
keys() { "$cli" --endpoint-url "$endpoint" ls -r "s3://$bucket/$1" | wc -l; }

: >"$work/times"
for n in $COUNTS; do
  tree=$work/tree-$n
  mkdir -p "$tree"
  for i in $(seq -w 1 "$n"); do head -c 65536 /dev/urandom >"$tree/f$i"; done
  touch -d '1 hour ago' "$tree"/*
  "${s3cli[@]}" cp -r "$tree" "s3://$bucket/sync-$n/"
  for run in $(seq "$RUNS"); do
    echo "sync-unchanged-$n: run $run of $RUNS" >&2
    timed "sync-unchanged-$n s3-cli" "${s3cli[@]}" sync "$tree" "s3://$bucket/sync-$n/"
    [ ! -s "$work/out" ] || { echo "s3-cli sync copied: $(head -n 2 "$work/out")" >&2; exit 1; }
    timed "sync-unchanged-$n s5cmd" "${s5[@]}" sync "$tree/" "s3://$bucket/sync-$n/"
    [ ! -s "$work/out" ] || { echo "s5cmd sync copied: $(head -n 2 "$work/out")" >&2; exit 1; }
  done
  for run in $(seq "$RUNS"); do
    echo "rm-r-$n: run $run of $RUNS" >&2
    for tool in s3-cli s5cmd; do
      "${s3cli[@]}" cp -r "$tree" "s3://$bucket/rm-$n/"
      if [ $tool = s3-cli ]; then
        timed "rm-r-$n s3-cli" "${s3cli[@]}" rm -r "s3://$bucket/rm-$n/"
      else
        timed "rm-r-$n s5cmd" "${s5[@]}" rm "s3://$bucket/rm-$n/*"
      fi
      [ "$(keys "rm-$n/")" = 0 ] || { echo "$tool rm left keys" >&2; exit 1; }
    done
  done
  "${s3cli[@]}" rm -r "s3://$bucket/sync-$n/"
done

times_table client s5cmd
