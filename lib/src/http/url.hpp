// Endpoint URLs: what to connect to and what to put in the Host header. Knows nothing of S3.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace raws3::http {

struct Url {
  std::string scheme;  // "http" or "https", lower-case
  std::string host;    // lower-case; an IPv6 address without its brackets
  std::uint16_t port = 0;
  std::string path;  // "" or "/..." exactly as given

  bool tls() const noexcept { return scheme == "https"; }
  // An IPv4 or IPv6 literal: no DNS name, so no virtual-hosted buckets and no SNI.
  bool host_is_ip() const noexcept;
  // The Host header: host[:port], the port left out when it is the scheme's default, IPv6 in brackets.
  std::string authority() const;
};

// Parses an absolute http(s) URL. Throws raws3::ConfigError naming the URL and what is wrong with it.
Url parse_url(std::string_view text);

}  // namespace raws3::http
