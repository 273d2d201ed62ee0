#!/usr/bin/env bash
# PUT of one file of random bytes (on tmpfs) to a null S3 endpoint on loopback (perf/nulls3.conf: nginx
# reads and drops every body and answers the multipart calls with fixed XML), side by side:
#   raws3        librawS3 Client::upload_file          (tests/tools/put_driver file)
#   s3-cli       s3-cli put FILE s3://bucket/key       (when the build has s3-cli)
#   curl         curl -T (one PUT)
#   awscrt       aws-c-s3 (python3-awscrt) PUT_OBJECT, its own multipart upload
#   boto3        boto3 upload_file (s3transfer)
#   rclone       rclone copyto
# The tools alternate, RUNS times; the table gives medians of MB/s, client CPU-seconds (user+sys) per GB
# and peak RSS. INFLIGHT="2 4 8 16" also runs librawS3 at each RAWS3_PUT_INFLIGHT; PIPE_GB="1 8" streams
# that many GiB of zeros through a pipe (Client::upload_stream) to show peak RSS does not grow.
#
# Then the same file to radosgw, a real server (tests/servers/rgw.sh; RGW_ENV names the env file it
# writes), rows NAME-rgw: raws3, s3-cli, curl (--aws-sigv4, UNSIGNED-PAYLOAD), boto3 and rclone. Not
# aws-c-s3: python3-awscrt 0.16 dials port 80 whatever the Host header says, and radosgw is on 7480.
#
#   perf/put_bench.sh [BUILD_DIR]      (default: build; needs its tests/put_driver)
#   env: RUNS (5), SIZE_MB (1024), INFLIGHT (""), PIPE_GB (""), PORT (80: aws-c-s3 connects there
#        without TLS), SKIP ("" or names of clients to leave out, e.g. "rclone boto3"; "rgw": no radosgw
#        rows), RGW_ENV (/tmp/raws3-test/rgw/env; the radosgw rows are left out when it is missing)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
driver=$build/tests/put_driver
cli=$build/tools/s3-cli
RUNS=${RUNS:-5}; SIZE_MB=${SIZE_MB:-1024}; INFLIGHT=${INFLIGHT:-}; PIPE_GB=${PIPE_GB:-}; PORT=${PORT:-80}
SKIP=${SKIP:-}; RGW_ENV=${RGW_ENV:-/tmp/raws3-test/rgw/env}
work=/dev/shm/raws3-put-bench-$(id -u)
[ -x "$driver" ] || ninja -C "$build" tests/put_driver
# shellcheck source=lib.sh
. "$top/perf/lib.sh"
ensure_bench_packages

mkdir -p "$work"
source=$work/source
[ "$(stat -c %s "$source" 2>/dev/null)" = $((SIZE_MB << 20)) ] || head -c $((SIZE_MB << 20)) /dev/urandom >"$source"
start_null_s3 "$work/state" "$PORT"
endpoint=http://127.0.0.1:$PORT

results=$work/results
: >"$results"
skipped() { [[ " $SKIP " == *" $1 "* ]]; }
# run NAME CMD...: one measured upload of the source, unless SKIP names the client.
run() {
  skipped "${1%%-*}" && return 0
  measure "$1" "$((SIZE_MB << 20))" 1 "${@:2}"
}
creds=(env -u AWS_CA_BUNDLE -u AWS_PROFILE AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1)
raws3=("${creds[@]}" S3_ENDPOINT="$endpoint")
rclone_put=(env -u AWS_CA_BUNDLE rclone copyto "$source" ":s3:bucket/key" --s3-provider Other
  --s3-endpoint "$endpoint" --s3-access-key-id bench --s3-secret-access-key bench --s3-force-path-style
  --s3-no-check-bucket --s3-no-head --no-check-dest --ignore-checksum)

for i in $(seq "$RUNS"); do
  echo "run $i of $RUNS" >&2
  run raws3 "${raws3[@]}" "$driver" file bucket key "$source"
  if [ -x "$cli" ]; then run s3-cli "${creds[@]}" "$cli" --endpoint-url "$endpoint" put "$source" s3://bucket/key; fi
  run curl curl -sf -T "$source" "$endpoint/bucket/key"
  run awscrt /usr/bin/python3 "$top/perf/awscrt_put.py" "127.0.0.1:$PORT" /bucket/key "$source"
  run boto3 "${creds[@]}" python3 "$top/perf/boto3_put.py" "$endpoint" bucket key "$source"
  run rclone "${rclone_put[@]}"
  for n in $INFLIGHT; do run "raws3-inflight$n" "${raws3[@]}" RAWS3_PUT_INFLIGHT="$n" "$driver" file bucket key "$source"; done
done
for gb in $PIPE_GB; do
  echo "pipe: $gb GiB" >&2
  head -c $((gb << 30)) /dev/zero |
    "${raws3[@]}" /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$driver" stream bucket key >"$work/stdout"
  read -r e u s m <"$work/time"
  own=$(sed -n 's/.*"seconds": \([0-9.e-]*\).*/\1/p' "$work/stdout")
  echo "raws3-pipe-${gb}GiB $own $((gb << 30)) 1 $((gb << 30)) $u $s $m" >>"$results"
done

if ! skipped rgw && [ -r "$RGW_ENV" ]; then
  # S3_ENDPOINT, S3_BUCKET and the keys of the test user.
  # shellcheck disable=SC1090
  . "$RGW_ENV"
  rgw=(env -u AWS_CA_BUNDLE -u AWS_PROFILE AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID"
    AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" AWS_DEFAULT_REGION="$AWS_DEFAULT_REGION")
  rgw_key=put-bench-$$
  at_exit "${rgw[*]} '$cli' --endpoint-url '$S3_ENDPOINT' rm 's3://$S3_BUCKET/$rgw_key' >/dev/null 2>&1"
  rclone_rgw=("${rgw[@]}" rclone copyto "$source" ":s3:$S3_BUCKET/$rgw_key" --s3-provider Ceph
    --s3-endpoint "$S3_ENDPOINT" --s3-env-auth --s3-force-path-style --s3-no-check-bucket --s3-no-head
    --no-check-dest)
  for i in $(seq "$RUNS"); do
    echo "radosgw: run $i of $RUNS" >&2
    run raws3-rgw "${rgw[@]}" S3_ENDPOINT="$S3_ENDPOINT" "$driver" file "$S3_BUCKET" "$rgw_key" "$source"
    [ -x "$cli" ] && run s3-cli-rgw "${rgw[@]}" "$cli" --endpoint-url "$S3_ENDPOINT" put "$source" "s3://$S3_BUCKET/$rgw_key"
    run curl-rgw curl -sf --aws-sigv4 "aws:amz:$AWS_DEFAULT_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
      -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$source" "$S3_ENDPOINT/$S3_BUCKET/$rgw_key"
    run boto3-rgw "${rgw[@]}" python3 "$top/perf/boto3_put.py" "$S3_ENDPOINT" "$S3_BUCKET" "$rgw_key" "$source"
    run rclone-rgw "${rclone_rgw[@]}"
  done
fi

results_table
