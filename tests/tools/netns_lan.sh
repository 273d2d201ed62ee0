#!/usr/bin/env bash
# Hosts on a LAN of their own, for MPI tests and benchmarks: network namespaces PREFIX-s (the server's) and
# PREFIX-h1 .. PREFIX-hN (one per host), joined by a bridge in PREFIX-s; PREFIX-s is SUBNET.1, PREFIX-hK
# is SUBNET.(K+1). Nothing leaves them: no route out, no link to this namespace.
#
#   tests/tools/netns_lan.sh up PREFIX SUBNET N     e.g. up raws3-123 10.77.0 2
#   tests/tools/netns_lan.sh down PREFIX N
#   tests/tools/netns_lan.sh rsh HOST COMMAND...    Open MPI's remote launcher (plm_rsh_agent): runs COMMAND
#                                                   as ssh would on HOST, in the namespace of that name,
#                                                   under that host name, through a shell.
# Needs root and iproute2. "up" undoes what it made when a step fails.
set -euo pipefail

up() {
  local prefix=$1 subnet=$2 n=$3 k host
  trap 'down "$prefix" "$n" 2>/dev/null' ERR
  ip netns add "$prefix-s"
  ip -n "$prefix-s" link set lo up
  ip -n "$prefix-s" link add br0 type bridge
  ip -n "$prefix-s" addr add "$subnet.1/24" dev br0
  ip -n "$prefix-s" link set br0 up
  for ((k = 1; k <= n; k++)); do
    host=$prefix-h$k
    ip netns add "$host"
    ip -n "$host" link set lo up
    ip -n "$prefix-s" link add "v$k" type veth peer name eth0 netns "$host"
    ip -n "$prefix-s" link set "v$k" master br0 up
    ip -n "$host" addr add "$subnet.$((k + 1))/24" dev eth0
    ip -n "$host" link set eth0 up
  done
}

down() {
  local prefix=$1 n=$2 k
  for ((k = 1; k <= n; k++)); do ip netns delete "$prefix-h$k" 2>/dev/null || true; done
  ip netns delete "$prefix-s" 2>/dev/null || true
}

rsh() {
  local host=$1
  shift
  exec ip netns exec "$host" unshare --uts sh -c 'hostname "$0" && eval "$1"' "$host" "$*"
}

case ${1:-} in
  up) shift; up "$@" ;;
  down) shift; down "$@" ;;
  rsh) shift; rsh "$@" ;;
  *) echo "usage: netns_lan.sh up PREFIX SUBNET N | down PREFIX N | rsh HOST COMMAND..." >&2; exit 2 ;;
esac
