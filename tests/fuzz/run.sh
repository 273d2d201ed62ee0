#!/usr/bin/env bash
# Builds the libFuzzer targets with clang++ (-fsanitize=fuzzer,address,undefined) and runs each for a
# while; any crash, leak or sanitizer report fails the script and leaves the reproducer in the work dir.
#   tests/fuzz/run.sh [SECONDS]      seconds per target (default 60)
# Environment: FUZZ_DIR (work dir, default build-fuzz/ in the source tree), CXX (default clang++),
# LLHTTP_SOURCE_DIR / LLHTTP_INCLUDE_DIR (default: where Debian's node-llhttp puts them).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
work=${FUZZ_DIR:-$top/build-fuzz}
cxx=${CXX:-clang++}
cc=${CC:-clang}
llhttp_src=${LLHTTP_SOURCE_DIR:-/usr/share/llhttp}
llhttp_inc=${LLHTTP_INCLUDE_DIR:-/usr/share/include/llhttp}
mkdir -p "$work"

sanitize=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -g -O1)
cxxflags=(-std=c++20 "${sanitize[@]}" -I"$top/lib/include" -I"$top/lib/src" -isystem "$llhttp_inc")

# llhttp's generated C is built once, instrumented like the rest so the fuzzer sees its branches.
if [ ! -f "$work/llhttp.a" ]; then
  for f in api http llhttp; do
    "$cc" -w -c "${sanitize[@]/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,}" -I"$llhttp_inc" \
      "$llhttp_src/$f.c" -o "$work/llhttp_$f.o"
  done
  ar rcs "$work/llhttp.a" "$work"/llhttp_{api,http,llhttp}.o
fi

# target: its own source, then the library sources and libraries it needs.
declare -A sources=(
  [response_parser]="lib/src/http/response_parser.cpp lib/src/http/response.cpp"
  [connection]="lib/src/http/connection.cpp lib/src/http/request.cpp lib/src/http/response_parser.cpp
    lib/src/http/response.cpp lib/src/io/stream.cpp lib/src/io/loop.cpp lib/src/io/engine.cpp
    lib/src/io/uring_engine.cpp lib/src/io/epoll_engine.cpp"
  [xml]="lib/src/s3/xml.cpp lib/src/s3/s3_error.cpp lib/src/auth/uri_encode.cpp"
  [profile_file]="lib/src/auth/profile_file.cpp"
  [credentials]="lib/src/auth/sts.cpp lib/src/auth/instance_metadata.cpp lib/src/auth/container_credentials.cpp
    lib/src/auth/credential_process.cpp lib/src/auth/credential_document.cpp lib/src/auth/timestamp.cpp
    lib/src/auth/environment.cpp lib/src/auth/url_parts.cpp lib/src/auth/ascii.cpp lib/src/auth/uri_encode.cpp lib/src/auth/sigv4.cpp
    lib/src/auth/hash.cpp"
)
declare -A libs=(
  [response_parser]="$work/llhttp.a"
  [connection]="$work/llhttp.a -luring"
  [xml]="-lpugixml"
  [profile_file]=""
  [credentials]="-lpugixml -lsimdjson -lcrypto"
)

# clang 14 cannot assemble the connection target's coroutines with UBSan ("Cannot represent a difference
# across sections"): that one runs under ASan alone.
declare -A flags=([connection]="-fno-sanitize=undefined")

# One target: built (one clang process), then fuzzed (libFuzzer runs on one core). Its lines go to
# $work/$target.out, printed in order at the end.
fuzz_one() {
  local target=$1 exe="$work/${target}_fuzz" corpus="$work/corpus/$1" s srcs=("$top/tests/fuzz/${1}_fuzz.cpp")
  for s in ${sources[$target]}; do srcs+=("$top/$s"); done
  # shellcheck disable=SC2086  # flags and libs hold several words on purpose
  "$cxx" "${cxxflags[@]}" ${flags[$target]:-} "${srcs[@]}" ${libs[$target]} -o "$exe" || return 1
  mkdir -p "$corpus"
  echo "== fuzzing $target for ${seconds}s"
  # Seeds from the source tree; what the fuzzer finds stays in the work dir's corpus for the next run.
  if ! (cd "$work" && "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
          "$corpus" "$top/tests/fuzz/seeds/$target" >"$work/$target.log" 2>&1); then
    echo "fuzz: $target FAILED; see $work/$target.log"
    tail -n 40 "$work/$target.log"
    return 1
  fi
  grep -E "^stat::number_of_executed_units|^Done" "$work/$target.log" | tr '\n' ' '
  echo
}

# As many targets at once as there are cores: each builds and fuzzes on one.
targets=(response_parser connection xml profile_file credentials)
jobs=$(nproc)
declare -A pids=()
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$target" >"$work/$target.out" 2>&1 &
  pids[$target]=$!
done
status=0
for target in "${targets[@]}"; do
  wait "${pids[$target]}" || status=1
  cat "$work/$target.out"
done
exit $status
