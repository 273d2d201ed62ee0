#include "http/url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "raws3/error.hpp"

namespace raws3::http {
namespace {

[[noreturn]] void fail(std::string_view shown, std::string_view why) {
  throw ConfigError("invalid URL \"" + std::string(shown) + "\": " + std::string(why));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

bool is_ipv4(const std::string& host) {
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr a{};
  return inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

std::uint16_t default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

void check_hostname(std::string_view text, const std::string& host) {
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) fail(text, "invalid character '" + std::string(1, c) + "' in host \"" + host + "\"");
  }
  if (host.front() == '.' || host.find("..") != std::string::npos)
    fail(text, "empty label in host \"" + host + "\"");
  // A name of digits and dots is read as an IPv4 address by resolvers: it has to be a valid one.
  if (host.find_first_not_of("0123456789.") == std::string::npos && !is_ipv4(host))
    fail(text, "bad IPv4 address \"" + host + "\"");
}

std::uint16_t parse_port(std::string_view text, std::string_view digits) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value == 0 ||
      value > 65535)
    fail(text, "bad port \"" + std::string(digits) + "\" (expected 1-65535)");
  return static_cast<std::uint16_t>(value);
}

}  // namespace

bool Url::host_is_ip() const noexcept { return is_ipv4(host) || is_ipv6(host); }

std::string Url::authority() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

Url parse_url(std::string_view text) {
  if (text.empty()) fail(text, "empty");
  // Endpoint URLs are ASCII (a non-ASCII host comes as punycode): anything else is a pasting mistake.
  for (unsigned char c : text)
    if (c <= 0x20 || c >= 0x7f) fail(text, "contains a space, control or non-ASCII character");

  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) fail(text, "missing scheme (expected http:// or https://)");
  Url url;
  url.scheme = lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https")
    fail(text, "unsupported scheme \"" + url.scheme + "\" (expected http or https)");

  const std::string_view rest = text.substr(sep + 3);
  const std::size_t path_at = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, path_at);
  if (path_at != std::string_view::npos) url.path = rest.substr(path_at);
  if (url.path.find_first_of("?#") != std::string::npos)
    fail(text, "a query or fragment has no place in an endpoint URL");
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos)
    // Do not echo what is likely a secret.
    fail(url.scheme + "://***" + std::string(rest.substr(at)), "user info in a URL is not supported");

  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  const bool bracketed = authority.starts_with('[');
  if (bracketed) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) fail(text, "unclosed '[' in host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) fail(text, "junk after ']' in host");
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
  } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    if (authority.find(':', colon + 1) != std::string_view::npos)
      fail(text, "an IPv6 address must be written in brackets, as in http://[::1]:9000");
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  url.host = lower(host);
  if (url.host.empty()) fail(text, "empty host");
  if (!bracketed)
    check_hostname(text, url.host);
  else if (!is_ipv6(url.host))
    fail(text, "bad IPv6 address \"" + url.host + "\"");
  url.port = has_port ? parse_port(text, port) : default_port(url.scheme);
  return url;
}

}  // namespace raws3::http
