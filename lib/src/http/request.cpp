#include "http/request.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "raws3/error.hpp"

namespace raws3::http {

namespace {

// RFC 9110's tchar: what a field name is made of.
bool is_token_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

// A name for an error message, its control and non-ASCII bytes as \xNN so that the message stays one line.
std::string printable(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7f) {
      out += char(c);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  return out;
}

// CR or LF would end the header and let the rest of the value be read as headers (or a request) of its
// own; NUL ends it for some servers. The value itself never goes into the message: it may be a secret
// (a session token, a signature).
void check_header(const Header& h) {
  if (h.name.empty() || !std::all_of(h.name.begin(), h.name.end(), [](char c) { return is_token_char(c); }))
    throw ConfigError("header name \"" + printable(h.name) +
                      "\" is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~ only); nothing was sent");
  const std::size_t bad = h.value.find_first_of(std::string_view("\r\n\0", 3));
  if (bad != std::string::npos) {
    const char* what = h.value[bad] == '\r' ? "a carriage return (CR)" : h.value[bad] == '\n' ? "a line feed (LF)" : "a NUL byte";
    throw ConfigError("header " + h.name + ": the value holds " + what +
                      ", which cannot be sent in an HTTP header; nothing was sent");
  }
}

}  // namespace

std::string serialize_head(const Request& request) {
  std::size_t size = request.method.size() + request.target.size() + 16;
  for (const Header& h : request.headers) {
    check_header(h);
    size += h.name.size() + h.value.size() + 4;
  }
  std::string out;
  out.reserve(size);
  out.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\n");
  for (const Header& h : request.headers) out.append(h.name).append(": ").append(h.value).append("\r\n");
  out.append("\r\n");
  return out;
}

io::Task<std::span<const std::byte>> MemorySource::next() {
  if (sent_) co_return std::span<const std::byte>{};
  sent_ = true;
  co_return bytes_;
}

}  // namespace raws3::http
