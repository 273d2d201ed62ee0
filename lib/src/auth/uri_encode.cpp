#include "auth/uri_encode.hpp"

#include <array>

#include "raws3/error.hpp"

namespace raws3::auth {
namespace {

constexpr std::array<bool, 256> kUnreserved = [] {
  std::array<bool, 256> table{};
  for (unsigned char c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (unsigned char c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (unsigned char c = '0'; c <= '9'; ++c) table[c] = true;
  for (unsigned char c : {'-', '.', '_', '~'}) table[c] = true;
  return table;
}();

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string percent_decode(std::string_view encoded, bool plus_is_space) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      out.push_back(plus_is_space && encoded[i] == '+' ? ' ' : encoded[i]);
      continue;
    }
    const int high = i + 2 < encoded.size() ? hex_value(encoded[i + 1]) : -1;
    const int low = high >= 0 ? hex_value(encoded[i + 2]) : -1;
    if (low < 0) {
      throw ConfigError("malformed percent-escape at offset " + std::to_string(i) + " of \"" +
                        std::string(encoded) + "\"");
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace

void uri_encode_append(std::string& out, std::string_view raw, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  // Keys are mostly unreserved characters: copy runs of them whole rather than byte by byte.
  std::size_t run = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (kUnreserved[c] || (keep_slash && c == '/')) continue;
    out.append(raw.data() + run, i - run);
    const char escape[3] = {'%', kDigits[c >> 4], kDigits[c & 0x0f]};
    out.append(escape, 3);
    run = i + 1;
  }
  out.append(raw.data() + run, raw.size() - run);
}

std::string uri_encode(std::string_view raw, bool keep_slash) {
  std::string out;
  out.reserve(raw.size());
  uri_encode_append(out, raw, keep_slash);
  return out;
}

std::string uri_decode(std::string_view encoded) { return percent_decode(encoded, false); }

std::string form_decode(std::string_view encoded) { return percent_decode(encoded, true); }

}  // namespace raws3::auth
