#!/usr/bin/env bash
# What verified downloads cost: s3-cli get and cp -r with --checksum-mode off against when-available (the
# default), on the same objects of one MinIO drive (the test servers' MinIO: tests/servers/minio.sh
# start), alternating, in one run:
#   get-1GiB-multipart  1 GiB uploaded by s3-cli in 8 MiB parts (composite CRC32C): fetched part by part,
#                       each part checked against its own CRC32C (off: 8 MiB ranges, unchecked)
#   get-1GiB-single     1 GiB uploaded in one PutObject (full-object CRC32C): 8 MiB ranges whose CRCs
#                       combine into the object's
#   cp-r-1000x1MiB      1,000 objects of 1 MiB each, down into a directory: one GET each, checked
# Into /dev/shm; every file compared with its source (cmp). Wall seconds, CPU-seconds and peak RSS of
# s3-cli (GNU time), MinIO's CPU-seconds meanwhile; medians of RUNS.
#
#   perf/verify_bench.sh [BUILD_DIR]     env: RUNS (3)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
cli=$build/tools/s3-cli
RUNS=${RUNS:-3}
# shellcheck source=lib.sh
. "$top/perf/lib.sh"
[ -x "$cli" ] || { echo "perf/verify_bench.sh: no $cli (build first: dev/build)" >&2; exit 1; }
env_file=${RAWS3_TEST_STATE:-/tmp/raws3-test}/minio/env
[ -f "$env_file" ] || { echo "perf/verify_bench.sh: no MinIO ($env_file): tests/servers/minio.sh start" >&2; exit 1; }
# shellcheck disable=SC1090
. "$env_file"
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
s3cli=("$cli" --endpoint-url "$S3_ENDPOINT" --no-progress --quiet)
work=/dev/shm/raws3-verify-bench-$(id -u)
rm -rf "$work"
mkdir -p "$work/src" "$work/tree"
bucket=raws3-verify-bench-$$
"${s3cli[@]}" mb "s3://$bucket"
trap '"${s3cli[@]}" rb --force "s3://$bucket" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
server_pid=$(cat "${env_file%/env}/pid")

head -c $((1 << 30)) /dev/urandom >"$work/src/big"
"${s3cli[@]}" --part-size 8MiB put "$work/src/big" "s3://$bucket/multipart"
"${s3cli[@]}" --part-size 1GiB put "$work/src/big" "s3://$bucket/single"
for i in $(seq -w 1 1000); do head -c $((1 << 20)) /dev/urandom >"$work/tree/f$i"; done
"${s3cli[@]}" cp -r "$work/tree" "s3://$bucket/tree/"

: >"$work/times"
for run in $(seq "$RUNS"); do
  echo "run $run of $RUNS" >&2
  for mode in off when-available; do
    for object in multipart single; do
      rm -f "$work/got"
      timed "get-1GiB-$object $mode" "${s3cli[@]}" --checksum-mode "$mode" get "s3://$bucket/$object" "$work/got"
      cmp "$work/got" "$work/src/big"
    done
    rm -rf "$work/down"
    timed "cp-r-1000x1MiB $mode" "${s3cli[@]}" --checksum-mode "$mode" cp -r "s3://$bucket/tree/" "$work/down"
    diff -r "$work/down" "$work/tree"
  done
done
rm -rf "$work/got" "$work/down"

times_table "checksum mode" off
