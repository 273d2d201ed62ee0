#!/usr/bin/env bash
# s3rver (@20minutes/s3rver 5.0.0, a maintained fork that checks SigV4) on http://127.0.0.1:4580.
#
#   tests/servers/s3rver.sh start|stop|restart|status
#
# start is idempotent: a healthy running server is left alone. Each real start begins with an
# empty data directory (on /dev/shm) holding one bucket. Credentials: S3RVER / S3RVER.
# State: $RAWS3_TEST_STATE/s3rver/{pid,log,env} (default /tmp/raws3-test).
#
# Knobs: RAWS3_S3RVER_PORT (4580), RAWS3_S3RVER_ADDRESS (127.0.0.1; test_mpi starts one inside a network
#        namespace on that namespace's address), RAWS3_S3RVER_BUCKET (raws3-test),
#        RAWS3_S3RVER_DATA ($SHM_ROOT/s3rver, see lib.sh), RAWS3_NPM_PREFIX ($STATE/npm),
#        RAWS3_S3RVER_VERBOSE=1 (log every request; slows it down).
#
# What it enforces (seen with boto3/curl): header and presigned SigV4 (wrong secret -> 403
# SignatureDoesNotMatch). Not: unsigned (anonymous) requests are accepted; x-amz-content-sha256,
# aws-chunked chunk signatures and Content-MD5 are not checked; If-Match on GET is ignored; no
# 5 MiB multipart minimum; multipart ETags lack "-N"; AbortMultipartUpload answers 405 and
# ListMultipartUploads 501; boto3's default trailing checksums over https -> 400 InvalidArgument.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NAME=s3rver
PORT=${RAWS3_S3RVER_PORT:-4580}
ADDRESS=${RAWS3_S3RVER_ADDRESS:-127.0.0.1}
BUCKET=${RAWS3_S3RVER_BUCKET:-raws3-test}
DIR=$STATE_ROOT/$NAME
# tmpfs: s3rver stores every object as a file plus metadata; keep that off the disk.
DATA=${RAWS3_S3RVER_DATA:-$SHM_ROOT/s3rver}
NPM_PREFIX=${RAWS3_NPM_PREFIX:-$STATE_ROOT/npm}
PKG_DIR=$SERVERS_DIR/s3rver
PATTERN="$PKG_DIR/run.js $PORT"   # how we recognise our process in /proc/PID/cmdline
URL=http://$ADDRESS:$PORT

running() { pid_matches "$DIR/pid" "$PATTERN" && http_answers "$URL/"; }

install() {
  npm_ci_pinned "$PKG_DIR" "$NPM_PREFIX" "$NPM_PREFIX/node_modules/@20minutes/s3rver/package.json" \
    --engine-strict=false  # engines says node >= 24, yet it runs on Node 20: do not let a strict config refuse it
  # Its dependencies declare node >= 20 (@koa/router); runs here on NodeSource's Node 20.
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || log "warning: Node.js $(node --version) is older than the 20 that s3rver's dependencies need (Debian 12 ships 18; NodeSource has 20+)"
}

start() {
  lock_state "$DIR"
  if running; then
    log "already running (pid $(cat "$DIR/pid")): $URL"
    [ -f "$DIR/env" ] || write_envfile
    return 0
  fi
  stop_locked
  install
  port_busy "$PORT" && die "port $PORT is in use by another program"
  local t0
  t0=$(now_ms)
  rm -rf "$DATA"
  mkdir -p "$DATA"
  : >"$DIR/log"
  # --openssl-legacy-provider: s3rver encrypts ListObjectsV2 continuation tokens with DES, which
  # OpenSSL 3 only has in the legacy provider (without it, paginated listings fail with 500).
  # NODE_PATH: run.js lives in the source tree, its modules in the npm prefix.
  NODE_PATH=$NPM_PREFIX/node_modules NODE_OPTIONS=--openssl-legacy-provider \
    spawn "$DIR/pid" "$DIR/log" node "$PKG_DIR/run.js" "$PORT" "$DATA" "$BUCKET" "${RAWS3_S3RVER_VERBOSE:-0}" \
      "$ADDRESS"
  if ! wait_until 30 running; then
    cat "$DIR/log" >&2
    stop_locked
    die "s3rver did not answer on $URL"
  fi
  write_envfile
  refresh_tls_env "$NAME"
  log "up in $(( $(now_ms) - t0 )) ms: $URL pid $(cat "$DIR/pid") bucket $BUCKET"
}

write_envfile() {
  write_env "$DIR/env" S3_ENDPOINT="$URL" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
    AWS_DEFAULT_REGION=us-east-1 S3_BUCKET="$BUCKET"
}

stop_locked() {
  rm -f "$DIR/env"
  drop_tls_env "$NAME"
  stop_pidfile "$DIR/pid" "$PATTERN" 10
  rm -rf "$DATA"
}

server_main "$@"
