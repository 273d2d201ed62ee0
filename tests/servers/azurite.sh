#!/usr/bin/env bash
# Azurite 3.35.0 (the Azure Storage emulator; 3.36 and later need Node >= 21), its Blob service alone, on
# http://127.0.0.1:10010, for az:// (the Blob layer, lib/src/blob/).
#
#   tests/servers/azurite.sh start|stop|restart|status
#
# start is idempotent: a healthy running server is left alone. Data in memory (--inMemoryPersistence), no
# telemetry (--disableTelemetry: without it Azurite reaches an outside host at start-up). The account is
# Azurite's published development one, devstoreaccount1, in the URL's first path segment.
# State: $RAWS3_TEST_STATE/azurite/{pid,log,env} (default /tmp/raws3-test).
#
# Knobs: RAWS3_AZURITE_PORT (10010), RAWS3_AZURITE_NPM_PREFIX ($STATE/npm-azurite).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NAME=azurite
PORT=${RAWS3_AZURITE_PORT:-10010}
DIR=$STATE_ROOT/$NAME
NPM_PREFIX=${RAWS3_AZURITE_NPM_PREFIX:-$STATE_ROOT/npm-azurite}
PKG_DIR=$SERVERS_DIR/azurite
MAIN=$NPM_PREFIX/node_modules/azurite/dist/src/blob/main.js
PATTERN="$MAIN"   # how we recognise our process in /proc/PID/cmdline
ACCOUNT=devstoreaccount1
KEY=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==
URL=http://127.0.0.1:$PORT/$ACCOUNT

running() { pid_matches "$DIR/pid" "$PATTERN" && http_answers "$URL?comp=list"; }

install() { npm_ci_pinned "$PKG_DIR" "$NPM_PREFIX" "$MAIN"; }

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
  : >"$DIR/log"
  # In memory, so no --location (Azurite refuses the two together); its working directory is ours.
  cd "$DIR"
  spawn "$DIR/pid" "$DIR/log" node "$MAIN" --blobHost 127.0.0.1 --blobPort "$PORT" --inMemoryPersistence \
    --disableTelemetry --silent
  if ! wait_until 30 running; then
    cat "$DIR/log" >&2
    stop_locked
    die "azurite did not answer on $URL"
  fi
  write_envfile
  log "up in $(( $(now_ms) - t0 )) ms: $URL pid $(cat "$DIR/pid")"
}

write_envfile() {
  write_env "$DIR/env" AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$ACCOUNT;AccountKey=$KEY;BlobEndpoint=$URL;" \
    AZURE_STORAGE_ACCOUNT="$ACCOUNT" AZURE_STORAGE_KEY="$KEY" AZURE_BLOB_ENDPOINT="$URL"
}

stop_locked() {
  rm -f "$DIR/env"
  stop_pidfile "$DIR/pid" "$PATTERN" 10
}

server_main "$@"
