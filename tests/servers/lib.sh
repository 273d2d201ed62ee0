# shellcheck shell=bash
# Shared helpers for the test-server scripts (sourced, not run).
#
# Layout: every server NAME keeps its state in $RAWS3_TEST_STATE/NAME/ (default /tmp/raws3-test):
#   pid   the PID of the server process (the one we stop)
#   log   its log
#   env   shell `export` lines (S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
#         AWS_DEFAULT_REGION, S3_BUCKET, and S3_CA_BUNDLE for TLS fronts). It exists only while
#         the server is up: `start` writes it last (after the server answers), `stop` removes it
#         first, so a test that finds it can trust it.
# Servers listen on 127.0.0.1 only. Processes are started with setsid and all file descriptors
# redirected, so they outlive the starting shell without holding its terminal or pipes, and are
# stopped by PID only (after checking the PID still belongs to the program we started).

STATE_ROOT=${RAWS3_TEST_STATE:-/tmp/raws3-test}
# Bulk data that should not touch the disk (s3rver's objects, moto's spool) goes to tmpfs, in a
# directory named after the state dir so that two state dirs never share it.
# shellcheck disable=SC2034  # used by the scripts that source this file
SHM_ROOT=/dev/shm/raws3$(printf '%s' "$STATE_ROOT" | tr -c 'A-Za-z0-9.-' '_')
SERVERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { echo "[$(basename "$0" .sh)] $*" >&2; }
die() { echo "[$(basename "$0" .sh)] ERROR: $*" >&2; exit 1; }

# now_ms: wall clock in milliseconds (for the timing lines the scripts print).
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# pid_matches PIDFILE PATTERN: the PID in PIDFILE is alive and its command line contains PATTERN.
# The pattern check guards against a recycled PID after a reboot or a crash.
pid_matches() {
  local f=$1 pat=$2 pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pat"
}

# pid_alive PID: the process exists and is not a zombie. A stopped daemon stays a zombie until
# init reaps it, which some container inits do only about once a second.
pid_alive() {
  local st
  st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# stop_pidfile PIDFILE PATTERN [TIMEOUT_S] [quiet]: TERM the process, wait, KILL if it lingers
# (quietly if asked: for a server where that is expected) and then set STOP_KILLED=1. Removes the
# pid file. Never touches a PID whose command line does not match PATTERN.
# shellcheck disable=SC2034  # read by the scripts that source this file
STOP_KILLED=0
stop_pidfile() {
  local f=$1 pat=$2 t=${3:-10} quiet=${4:-} pid i
  if pid_matches "$f" "$pat"; then
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < t * 20; i++)); do
      pid_alive "$pid" || break
      sleep 0.05
    done
    if pid_alive "$pid"; then
      [ -n "$quiet" ] || log "pid $pid ($pat) ignored TERM for ${t}s: KILL"
      kill -KILL "$pid" 2>/dev/null || true
      # shellcheck disable=SC2034  # read by the scripts that source this file
      STOP_KILLED=1
      sleep 0.1
    fi
  fi
  rm -f "$f"
}

# spawn PIDFILE LOGFILE CMD...: run CMD in its own session, detached from our stdio, and
# record its PID. The subshell closes every inherited descriptor above 2 first: the state lock
# (fd 9, see lock_state) and any pipe a caller such as `meson test` waits on must not live on in
# the daemon. `setsid` does not fork when the caller is not a process-group leader (a background
# job of a script never is), so $! is CMD's own PID.
spawn() {
  local pidf=$1 logf=$2
  shift 2
  (
    for fd in "/proc/$BASHPID/fd/"*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
    done
    exec setsid "$@" </dev/null >>"$logf" 2>&1
  ) &
  echo $! >"$pidf"
}

# port_busy PORT: something listens on 127.0.0.1:PORT (or on the wildcard address).
port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_until TIMEOUT_S CMD...: retry CMD every 0.1 s until it succeeds; 1 on timeout.
wait_until() {
  local t=$1 i
  shift
  for ((i = 0; i < t * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  "$@"
}

# http_answers URL [curl args...]: the server sent an HTTP response (any status) within 2 s.
http_answers() {
  local url=$1 code
  shift
  code=$(curl -s --noproxy '*' -o /dev/null -m 2 -w '%{http_code}' "$@" "$url" 2>/dev/null) || true
  [ -n "$code" ] && [ "$code" != 000 ]
}

# write_env FILE KEY=VALUE...: write `export KEY='VALUE'` lines atomically (tmp file + rename),
# so a reader never sees a half-written file.
write_env() {
  local f=$1 kv
  shift
  {
    echo "# written by tests/servers/$(basename "$0") at $(date -u +%FT%TZ)"
    for kv in "$@"; do printf "export %s='%s'\n" "${kv%%=*}" "${kv#*=}"; done
  } >"$f.tmp.$$"
  mv -f "$f.tmp.$$" "$f"
}

# env_get FILE KEY: read one value back from an env file written by write_env.
env_get() {
  sed -n "s/^export $2='\\(.*\\)'\$/\\1/p" "$1" 2>/dev/null | tail -n 1
}

# lock_state DIR: serialize start/stop of one server (two test runs may race on it).
# The lock is released when the script exits (fd 9 closes).
lock_state() {
  mkdir -p "$1"
  exec 9>"$1/.lock"
  flock -w 600 9 || die "timed out waiting for the lock $1/.lock"
}

# apt_install PKG...: install missing Debian packages (CI runs as root; otherwise use sudo -n).
apt_install() {
  local need=() p sudo=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || sudo=(sudo -n)
  log "installing Debian packages: ${need[*]}"
  # The lock timeout lets parallel starts (all.sh) and other installers queue instead of failing.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "${need[@]}" >&2 ||
    { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
        --no-install-recommends "${need[@]}" >&2; } ||
    die "could not install ${need[*]} (see tests/servers/packages.txt)"
}

# npm_ci_pinned PKG_DIR PREFIX MARKER [NPM_ARG...]: the packages PKG_DIR's package.json and lock file pin,
# installed into PREFIX by npm ci unless MARKER (a file the package installs) is there from the same lock
# file. Node.js and npm come from Debian when missing (NodeSource's nodejs bundles npm and conflicts with
# Debian's npm package, so apt is asked for npm only when there is none).
npm_ci_pinned() {
  local pkg_dir=$1 prefix=$2 marker=$3 t0
  shift 3
  if [ -f "$marker" ] && cmp -s "$pkg_dir/package-lock.json" "$prefix/package-lock.json"; then
    return 0
  fi
  command -v node >/dev/null || apt_install nodejs
  command -v npm >/dev/null || apt_install npm
  t0=$(now_ms)
  mkdir -p "$prefix"
  cp "$pkg_dir/package.json" "$pkg_dir/package-lock.json" "$prefix/"
  (cd "$prefix" && npm ci --no-audit --no-fund --loglevel=error "$@" >&2) || die "npm ci failed in $prefix"
  log "installed $(basename "$pkg_dir") into $prefix in $(( $(now_ms) - t0 )) ms"
}

# refresh_tls_env NAME: if the TLS front for NAME is running, rewrite NAME-tls/env from NAME/env
# (credentials can change when a backend restarts, e.g. moto makes new keys on every start).
refresh_tls_env() {
  if [ -x "$SERVERS_DIR/tls.sh" ]; then
    "$SERVERS_DIR/tls.sh" refresh-env "$1" >/dev/null 2>&1 || true
  fi
}

# drop_tls_env NAME: the backend is going away, so its TLS front no longer serves S3.
drop_tls_env() {
  rm -f "$STATE_ROOT/$1-tls/env" "$STATE_ROOT/$1-tls-wrongname/env"
}

# rss_kb PID...: summed resident set size in KiB (for the status line).
rss_kb() {
  local p s=0 v
  for p in "$@"; do
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || v=0
    s=$((s + ${v:-0}))
  done
  echo "$s"
}

# --- What every server script does alike. A script defines start, stop_locked, running and NAME, DIR,
# URL (and may define its own stop or status instead of these), then ends with server_main "$@".

stop() {
  lock_state "$DIR"
  stop_locked
  log "stopped"
}

status() {
  if running; then
    echo "$NAME: up $URL pid $(cat "$DIR/pid") rss $(( $(rss_kb "$(cat "$DIR/pid")") / 1024 )) MiB"
  else
    echo "$NAME: down"
    return 1
  fi
}

server_main() {
  case ${1:-} in
    start) start ;;
    # What start installs first (npm packages), alone: dev/test runs it beside the builds.
    install) if declare -F install >/dev/null; then install; else log "nothing to install"; fi ;;
    stop) stop ;;
    restart) stop; start ;;
    status) status ;;
    *) echo "usage: $0 start|stop|restart|status|install" >&2; exit 2 ;;
  esac
}
