#!/usr/bin/env bash
# MinIO, built here from the Go module proxy, in three processes on loopback:
#   minio      one drive                         http://127.0.0.1:9000   env: minio/env
#   minio-ec   4 drives, one erasure set (EC:2)  http://127.0.0.1:9010   env: minio-ec/env
#   minio-tls  one drive, MinIO's own TLS        https://127.0.0.1:9443  env: minio-tls/env (+ S3_CA_BUNDLE)
# The erasure-coded one is MinIO's "distributed on one host" layout: objects are split into data and
# parity shards over the four drives, so its multipart, listing and healing paths are MinIO's real ones.
#
#   tests/servers/minio.sh start|stop|restart|status|env|build
#
# build only builds the binary (dev/test runs it beside the C++ builds). start is idempotent (healthy instances are left alone); a real start begins with empty drives and one
# bucket. env prints the env files' paths. Credentials: RAWS3MINIOROOT / raws3MinioRootSecret0000000001.
# State: $RAWS3_TEST_STATE/minio{,-ec,-tls}/{pid,log,env}. The binary: $RAWS3_GO_BIN (default
# $RAWS3_TEST_STATE/go-bin)/minio, built once by `go install` (about 5 minutes on 2 cores), rebuilt only
# when MINIO_VERSION changes.
#
# Knobs: RAWS3_MINIO_PORT (9000), RAWS3_MINIO_EC_PORT (9010), RAWS3_MINIO_TLS_PORT (9443) (each console
# port is its S3 port + 1), RAWS3_MINIO_BUCKET (raws3-test), RAWS3_MINIO_DATA (drives; default
# $RAWS3_TEST_STATE/minio-data, on disk: MinIO opens drives with O_DIRECT, which tmpfs refuses), RAWS3_GO_BIN.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# MinIO publishes no semantic-version tags, so the module proxy serves it by pseudo-version: this is commit
# 7aac2a2c5b7c of 2026-02-12, the newest the proxy had on 2026-12-02.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
GO_BIN=${RAWS3_GO_BIN:-$STATE_ROOT/go-bin}
MINIO=$GO_BIN/minio
BUCKET=${RAWS3_MINIO_BUCKET:-raws3-test}
DATA=${RAWS3_MINIO_DATA:-$STATE_ROOT/minio-data}
ROOT_USER=RAWS3MINIOROOT
ROOT_PASSWORD=raws3MinioRootSecret0000000001
# name port scheme drives
INSTANCES=(
  "minio ${RAWS3_MINIO_PORT:-9000} http 1"
  "minio-ec ${RAWS3_MINIO_EC_PORT:-9010} http 4"
  "minio-tls ${RAWS3_MINIO_TLS_PORT:-9443} https 1"
)
CA=$STATE_ROOT/tls/ca.crt

go_cmd() {
  if command -v go >/dev/null; then echo go
  elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go
  else die "no Go toolchain (go on PATH or /usr/local/go/bin/go) to build MinIO with"
  fi
}

install() {
  lock_state "$GO_BIN"
  if [ -x "$MINIO" ] && [ "$(cat "$GO_BIN/minio.version" 2>/dev/null)" = "$MINIO_VERSION" ]; then
    return 0
  fi
  local go t0
  go=$(go_cmd)
  t0=$(now_ms)
  log "building MinIO $MINIO_VERSION with $("$go" version) (once; cached in $GO_BIN)"
  rm -f "$GO_BIN/minio.version"
  GOBIN=$GO_BIN GOFLAGS=-trimpath "$go" install "github.com/minio/minio@$MINIO_VERSION" >&2 ||
    die "go install github.com/minio/minio@$MINIO_VERSION failed"
  echo "$MINIO_VERSION" >"$GO_BIN/minio.version"
  log "built $MINIO in $(( $(now_ms) - t0 )) ms"
}

# Fields of one instance line into name port scheme drives url dir.
instance() {
  read -r name port scheme drives <<<"$1"
  url=$scheme://127.0.0.1:$port
  dir=$STATE_ROOT/$name
}

probe() {  # probe live|ready: the process we started answers MinIO's health probe with 200
  pid_matches "$dir/pid" "$MINIO server --address 127.0.0.1:$port" || return 1
  curl -s --noproxy '*' -m 2 -o /dev/null -w '%{http_code}' --cacert "$CA" "$url/minio/health/$1" 2>/dev/null |
    grep -qx 200
}
alive() { probe live; }

# curl signs with SigV4 itself; MinIO accepts UNSIGNED-PAYLOAD.
s3curl() {
  curl -s --noproxy '*' -m 10 --cacert "$CA" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ROOT_USER:$ROOT_PASSWORD" "$@"
}
bucket_ok() { [ "$(s3curl -o /dev/null -w '%{http_code}' -I "$url/$BUCKET")" = 200 ]; }
# MinIO answers its liveness probe before its object layer is up, and until then S3 calls get 503
# XMinioServerNotInitialized (the erasure-coded set takes longest): creating the bucket retries that.
create_bucket() {
  code=$(s3curl -o "$dir/bucket-create.out" -w '%{http_code}' -X PUT "$url/$BUCKET")
  [ "$code" = 200 ] || { [ "$code" = 409 ] && bucket_ok; }
}

write_envfile() {
  local extra=()
  [ "$scheme" = https ] && extra=(S3_CA_BUNDLE="$CA")
  write_env "$dir/env" S3_ENDPOINT="$url" AWS_ACCESS_KEY_ID="$ROOT_USER" AWS_SECRET_ACCESS_KEY="$ROOT_PASSWORD" \
    AWS_DEFAULT_REGION=us-east-1 S3_BUCKET="$BUCKET" "${extra[@]}"
}

stop_instance() {
  rm -f "$dir/env"
  stop_pidfile "$dir/pid" "$MINIO server --address 127.0.0.1:$port" 10
  rm -rf "${DATA:?}/$name"
}

start_instance() {
  lock_state "$dir"
  if alive && bucket_ok; then
    log "$name already running (pid $(cat "$dir/pid")): $url"
    [ -f "$dir/env" ] || write_envfile
    return 0
  fi
  stop_instance
  port_busy "$port" && die "port $port is in use by another program"
  port_busy $((port + 1)) && die "port $((port + 1)) (MinIO's console) is in use by another program"
  local t0 drive_args=() certs=()
  t0=$(now_ms)
  if [ "$drives" = 1 ]; then
    drive_args=("$DATA/$name/drive")
  else
    # MinIO's ellipsis: drive1 ... driveN make one erasure set.
    drive_args=("$DATA/$name/drive{1...$drives}")
  fi
  mkdir -p "$DATA/$name"
  if [ "$scheme" = https ]; then
    mkdir -p "$dir/certs"
    cp "$STATE_ROOT/tls/server.crt" "$dir/certs/public.crt"
    cp "$STATE_ROOT/tls/server.key" "$dir/certs/private.key"
    certs=(--certs-dir "$dir/certs")
  fi
  : >"$dir/log"
  # MINIO_CI_CD: drives on the root disk are fine here. No update checks, no console UI, no telemetry out.
  # MINIO_DOMAIN: Host <bucket>.minio.test is virtual-hosted (test_minio names it in an /etc/hosts of its own).
  MINIO_ROOT_USER=$ROOT_USER MINIO_ROOT_PASSWORD=$ROOT_PASSWORD MINIO_CI_CD=1 MINIO_UPDATE=off \
    MINIO_BROWSER=off MINIO_REGION=us-east-1 MINIO_DOMAIN=minio.test \
    spawn "$dir/pid" "$dir/log" "$MINIO" server --address "127.0.0.1:$port" \
    --console-address "127.0.0.1:$((port + 1))" "${certs[@]}" --quiet --anonymous "${drive_args[@]}"
  if ! wait_until 120 probe ready; then
    tail -n 30 "$dir/log" >&2
    stop_instance
    die "$name did not become ready on $url"
  fi
  local code
  if ! wait_until 60 create_bucket; then
    cat "$dir/bucket-create.out" >&2
    stop_instance
    die "$name: creating bucket $BUCKET answered HTTP $code"
  fi
  write_envfile
  log "$name up in $(( $(now_ms) - t0 )) ms: $url pid $(cat "$dir/pid") ($drives drive(s)) bucket $BUCKET"
}

start() {
  command -v curl >/dev/null || apt_install curl
  install
  "$SERVERS_DIR/tls.sh" certs
  local i name port scheme drives url dir
  for i in "${INSTANCES[@]}"; do
    instance "$i"
    (start_instance)
  done
}

stop() {
  local i name port scheme drives url dir
  for i in "${INSTANCES[@]}"; do
    instance "$i"
    (lock_state "$dir"; stop_instance)
  done
  log "stopped"
}

status() {
  local i name port scheme drives url dir rc=0
  for i in "${INSTANCES[@]}"; do
    instance "$i"
    if alive; then
      echo "$name: up $url pid $(cat "$dir/pid") rss $(( $(rss_kb "$(cat "$dir/pid")") / 1024 )) MiB ($drives drive(s))"
    else
      echo "$name: down"
      rc=1
    fi
  done
  return $rc
}

env_files() {
  local i name port scheme drives url dir
  for i in "${INSTANCES[@]}"; do
    instance "$i"
    [ -f "$dir/env" ] && echo "$dir/env"
  done
  return 0
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  env) env_files ;;
  build) install ;;
  *) echo "usage: $0 start|stop|restart|status|env|build" >&2; exit 2 ;;
esac
