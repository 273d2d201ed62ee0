#!/usr/bin/env bash
# GET of one object of random bytes from nginx on loopback (plain HTTP, ranges, keep-alive; nginx
# ignores Authorization, so every S3 client can read it as /bucket/key), side by side:
#   raws3-discard  librawS3 to its discard sink       (tests/tools/get_driver discard)
#   raws3-file     librawS3 to a file on tmpfs         (tests/tools/get_driver file)
#   curl-null      curl -o /dev/null                   curl-file  curl -o a file on tmpfs
#   awscrt-null    aws-c-s3 (python3-awscrt) to /dev/null   awscrt-file  ... to a file on tmpfs
#   rclone-file    rclone copyto a file on tmpfs
# The tools alternate, RUNS times; the table gives medians of MB/s, client CPU-seconds (user+sys) per GB
# and peak RSS. With INFLIGHT="4 8 16 ..." librawS3 to the discard sink also runs at each of those
# RAWS3_GET_INFLIGHT values.
#
# With TLS=1 the same clients GET over HTTPS instead (nginx on port 443 with a certificate from a CA the
# script makes; aws-c-s3 connects to 443 with TLS on).
#
#   perf/get_bench.sh [BUILD_DIR]      (default: build; needs its tests/get_driver)
#   env: RUNS (5), SIZE_MB (1024), INFLIGHT (""), TLS (0), PORT (80, 443 with TLS: aws-c-s3 connects there)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
driver=$build/tests/get_driver
RUNS=${RUNS:-5}; SIZE_MB=${SIZE_MB:-1024}; INFLIGHT=${INFLIGHT:-}; TLS=${TLS:-0}
if [ "$TLS" = 1 ]; then PORT=${PORT:-443}; scheme=https; else PORT=${PORT:-80}; scheme=http; fi
work=/dev/shm/raws3-get-bench-$(id -u)
[ -x "$driver" ] || ninja -C "$build" tests/get_driver
# shellcheck source=lib.sh
. "$top/perf/lib.sh"
ensure_bench_packages

mkdir -p "$work/root/bucket" "$work/state"
object=$work/root/bucket/key
[ "$(stat -c %s "$object" 2>/dev/null)" = $((SIZE_MB << 20)) ] || head -c $((SIZE_MB << 20)) /dev/urandom >"$object"
# A CA and a certificate for 127.0.0.1 it signed, made once.
ca=$work/tls/ca.crt
if [ "$TLS" = 1 ] && [ ! -f "$work/tls/server.crt" ]; then
  mkdir -p "$work/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=raws3-bench-ca -keyout "$work/tls/ca.key" \
    -out "$ca" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$work/tls/server.key" \
    -out "$work/tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >"$work/tls/ext"
  openssl x509 -req -in "$work/tls/server.csr" -CA "$ca" -CAkey "$work/tls/ca.key" -CAcreateserial -days 30 \
    -extfile "$work/tls/ext" -out "$work/tls/server.crt" 2>/dev/null
fi
listen="listen 127.0.0.1:$PORT;"
[ "$TLS" = 1 ] && listen="listen 127.0.0.1:$PORT ssl; ssl_certificate $work/tls/server.crt; ssl_certificate_key $work/tls/server.key;"
cat >"$work/state/nginx.conf" <<CONF
worker_processes auto;
pid $work/state/nginx.pid;
error_log $work/state/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 120s;
  default_type application/octet-stream;
  client_body_temp_path $work/state/body; proxy_temp_path $work/state/proxy;
  fastcgi_temp_path $work/state/fcgi; uwsgi_temp_path $work/state/uwsgi; scgi_temp_path $work/state/scgi;
  server { $listen root $work/root; }
}
CONF
nginx -c "$work/state/nginx.conf" -p "$work/state"
at_exit "kill \$(cat '$work/state/nginx.pid') 2>/dev/null; rm -f '$work/out'"
url=$scheme://127.0.0.1:$PORT/bucket/key
curl_tls=(); rclone_tls=(); awscrt_tls=()
[ "$TLS" = 1 ] && curl_tls=(--cacert "$ca") && rclone_tls=(--ca-cert "$ca") && awscrt_tls=(--ca "$ca")
for _ in $(seq 50); do curl -sf "${curl_tls[@]}" -o /dev/null -r 0-0 "$url" && break; sleep 0.1; done

results=$work/results
: >"$results"
size=$((SIZE_MB << 20))
# run NAME CMD...: one measured GET of the object, with no file left behind.
run() {
  local name=$1
  shift
  rm -f "$work/out"
  measure "$name" "$size" 1 "$@"
  rm -f "$work/out"
}
raws3=(env S3_ENDPOINT="$scheme://127.0.0.1:$PORT" AWS_CA_BUNDLE="$ca" AWS_ACCESS_KEY_ID=bench
  AWS_SECRET_ACCESS_KEY=bench)
rclone_get=(env -u AWS_CA_BUNDLE rclone copyto ":s3:bucket/key" "$work/out" --s3-provider Other
  --s3-endpoint "$scheme://127.0.0.1:$PORT" --s3-access-key-id bench --s3-secret-access-key bench
  --s3-force-path-style --ignore-checksum --no-check-dest "${rclone_tls[@]}")

for i in $(seq "$RUNS"); do
  echo "run $i of $RUNS" >&2
  run raws3-discard "${raws3[@]}" "$driver" discard bucket key
  run raws3-file "${raws3[@]}" "$driver" file bucket key "$work/out"
  run curl-null curl -sf "${curl_tls[@]}" -o /dev/null "$url"
  run curl-file curl -sf "${curl_tls[@]}" -o "$work/out" "$url"
  run awscrt-null /usr/bin/python3 "$top/perf/awscrt_get.py" "${awscrt_tls[@]}" 127.0.0.1 /bucket/key /dev/null
  run awscrt-file /usr/bin/python3 "$top/perf/awscrt_get.py" "${awscrt_tls[@]}" 127.0.0.1 /bucket/key "$work/out"
  run rclone-file "${rclone_get[@]}"
  for n in $INFLIGHT; do run "raws3-discard-inflight$n" "${raws3[@]}" RAWS3_GET_INFLIGHT="$n" "$driver" discard bucket key; done
done

results_table
