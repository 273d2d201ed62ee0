// What the test drivers (get_driver, put_driver, load_driver, lifetime_driver) share: the client's
// configuration, reading their own memory figures and printing an ETag inside JSON.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "raws3/config.hpp"

namespace raws3::test {

// The endpoint from S3_ENDPOINT (path-style, as the test servers want), tuning from RAWS3_*, the rest as
// a Client resolves it (AWS_*).
inline Config driver_config() {
  Config config = Config::from_environment();
  if (const char* endpoint = std::getenv("S3_ENDPOINT")) config.endpoint_url = endpoint;
  config.addressing = Addressing::Path;
  return config;
}

// A "kB" field of /proc/self/status ("VmRSS", "VmHWM"), in KiB; 0 when absent.
inline std::uint64_t status_kib(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(status, line))
    if (line.starts_with(prefix)) return std::stoull(line.substr(prefix.size()));
  return 0;
}

// The ETag without its quotes, so it can stand inside a JSON string.
inline std::string unquoted(std::string_view etag) {
  std::string out;
  for (char c : etag)
    if (c != '"') out += c;
  return out;
}

}  // namespace raws3::test
