# shellcheck shell=bash
# Shared by the benchmark scripts (sourced, not run).

# The peers and tools the benchmarks compare against, installed from Debian when missing.
ensure_bench_packages() {
  local p
  for p in nginx-light curl rclone python3-awscrt time; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$p" >&2
  done
}
