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
#   perf/put_bench.sh [BUILD_DIR]      (default: build; needs its tests/put_driver)
#   env: RUNS (5), SIZE_MB (1024), INFLIGHT (""), PIPE_GB (""), PORT (80: aws-c-s3 connects there
#        without TLS), SKIP ("" or names of clients to leave out, e.g. "rclone boto3")
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
driver=$build/tests/put_driver
cli=$build/tools/s3-cli
RUNS=${RUNS:-5}; SIZE_MB=${SIZE_MB:-1024}; INFLIGHT=${INFLIGHT:-}; PIPE_GB=${PIPE_GB:-}; PORT=${PORT:-80}
SKIP=${SKIP:-}
work=/dev/shm/raws3-put-bench-$(id -u)
[ -x "$driver" ] || ninja -C "$build" tests/put_driver
# shellcheck source=lib.sh
. "$top/perf/lib.sh"
ensure_bench_packages

mkdir -p "$work/state"
source=$work/source
[ "$(stat -c %s "$source" 2>/dev/null)" = $((SIZE_MB << 20)) ] || head -c $((SIZE_MB << 20)) /dev/urandom >"$source"
sed -e "s|@PORT@|$PORT|g" -e "s|@STATE@|$work/state|g" "$top/perf/nulls3.conf" >"$work/state/nginx.conf"
nginx -c "$work/state/nginx.conf" -p "$work/state"
trap 'kill "$(cat "$work/state/nginx.pid")" 2>/dev/null || true' EXIT
endpoint=http://127.0.0.1:$PORT
for _ in $(seq 50); do curl -sf -o /dev/null -X DELETE "$endpoint/bucket/key" && break; sleep 0.1; done

results=$work/results
: >"$results"
skipped() { [[ " $SKIP " == *" $1 "* ]]; }
# measure NAME CMD...: one run; its own transfer seconds when it prints them (a last line that is a
# number, or put_driver's JSON), else the wall clock; peak RSS from GNU time.
measure() {
  local name=$1 e u s m own
  shift
  skipped "${name%%-*}" && return 0
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr" ||
    { echo "$name failed:" >&2; cat "$work/stderr" >&2; exit 1; }
  read -r e u s m <"$work/time"
  own=$(tail -n 1 "$work/stdout" "$work/stderr" 2>/dev/null | sed -n 's/.*"seconds": \([0-9.e-]*\).*/\1/p;/^[0-9.]*$/p' | tail -n 1)
  echo "$name ${own:-$e} $u $s $m $((SIZE_MB << 20))" >>"$results"
}
creds=(env -u AWS_CA_BUNDLE -u AWS_PROFILE AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1)
raws3=("${creds[@]}" S3_ENDPOINT="$endpoint")
rclone_put=(env -u AWS_CA_BUNDLE rclone copyto "$source" ":s3:bucket/key" --s3-provider Other
  --s3-endpoint "$endpoint" --s3-access-key-id bench --s3-secret-access-key bench --s3-force-path-style
  --s3-no-check-bucket --s3-no-head --no-check-dest)

for run in $(seq "$RUNS"); do
  echo "run $run of $RUNS" >&2
  measure raws3 "${raws3[@]}" "$driver" file bucket key "$source"
  [ -x "$cli" ] && measure s3-cli "${creds[@]}" "$cli" --endpoint-url "$endpoint" put "$source" s3://bucket/key
  measure curl curl -sf -T "$source" "$endpoint/bucket/key"
  measure awscrt /usr/bin/python3 "$top/perf/awscrt_put.py" "127.0.0.1:$PORT" /bucket/key "$source"
  measure boto3 "${creds[@]}" python3 "$top/perf/boto3_put.py" "$endpoint" bucket key "$source"
  measure rclone "${rclone_put[@]}"
  for n in $INFLIGHT; do measure "raws3-inflight$n" "${raws3[@]}" RAWS3_PUT_INFLIGHT="$n" "$driver" file bucket key "$source"; done
done
for gb in $PIPE_GB; do
  echo "pipe: $gb GiB" >&2
  head -c $((gb << 30)) /dev/zero |
    "${raws3[@]}" /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$driver" stream bucket key >"$work/stdout"
  read -r e u s m <"$work/time"
  own=$(sed -n 's/.*"seconds": \([0-9.e-]*\).*/\1/p' "$work/stdout")
  echo "raws3-pipe-${gb}GiB $own $u $s $m $((gb << 30))" >>"$results"
done

python3 - "$results" <<'PY'
import collections, statistics, sys
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    name, secs, user, sys_, rss, size = line.split()
    gb = int(size) / 1e9
    rows.setdefault(name, []).append((gb / float(secs), (float(user) + float(sys_)) / gb, int(rss) / 1024))
print("| client | MB/s | CPU-s/GB | peak RSS MiB | runs |")
print("|---|---:|---:|---:|---:|")
for name, runs in rows.items():
    med = [statistics.median(r[i] for r in runs) for i in range(3)]
    print(f"| {name} | {med[0] * 1000:.0f} | {med[1]:.2f} | {med[2]:.0f} | {len(runs)} |")
PY
