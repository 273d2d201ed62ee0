#include "blob/shared_key.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "auth/ascii.hpp"
#include "auth/hash.hpp"
#include "raws3/error.hpp"

namespace raws3::blob {

namespace {

const std::string* find_header(std::span<const http::Header> headers, std::string_view lower_name) {
  for (const http::Header& h : headers)
    if (auth::ascii_lower(h.name) == lower_name) return &h.value;
  return nullptr;
}

// The order the service sorts x-ms-* names in (its SDKs carry the same alphabet): punctuation first, "_"
// before the digits, unlike ASCII.
constexpr std::string_view kHeaderAlphabet =
    "-!#$%&*.^_|~+\"'(),/`~0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]abcdefghijklmnopqrstuvwxyz{}";

bool header_name_less(std::string_view a, std::string_view b) {
  auto weight = [](char c) {
    const std::size_t at = kHeaderAlphabet.find(c);
    if (at == std::string_view::npos) throw ConfigError(std::string("a header name holds '") + c + "', which SharedKey cannot sort");
    return at;
  };
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [&](char x, char y) { return weight(x) < weight(y); });
}

std::vector<unsigned char> decode_key(std::string_view key) {
  std::vector<unsigned char> out(3 * (key.size() / 4) + 3);
  const int n = key.size() % 4 == 0 ? EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(key.data()),
                                                      int(key.size()))
                                    : -1;
  if (n < 0 || key.empty()) throw ConfigError("the storage account key is not base64");
  // EVP_DecodeBlock counts the padding's bytes as zeros.
  std::size_t length = std::size_t(n);
  for (std::size_t i = key.size(); i > 0 && key[i - 1] == '='; --i) --length;
  out.resize(length);
  return out;
}

}  // namespace

std::string shared_key_string_to_sign(std::string_view account, const SignedParts& request) {
  static constexpr std::array<std::string_view, 11> kSlots = {
      "content-encoding", "content-language", "content-length", "content-md5", "content-type", "date",
      "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range"};
  std::string out(request.method);
  out += '\n';
  for (std::string_view slot : kSlots) {
    const std::string* value = find_header(request.headers, slot);
    // Since version 2015-02-21 a zero Content-Length is signed as an empty slot.
    if (value && !(slot == "content-length" && *value == "0")) out += *value;
    out += '\n';
  }
  std::vector<std::pair<std::string, std::string_view>> ms;
  for (const http::Header& h : request.headers) {
    std::string name = auth::ascii_lower(h.name);
    if (name.starts_with("x-ms-")) ms.emplace_back(std::move(name), h.value);
  }
  std::sort(ms.begin(), ms.end(), [](const auto& a, const auto& b) { return header_name_less(a.first, b.first); });
  for (const auto& [name, value] : ms) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  out += '/';
  out += account;
  out += request.path;
  std::vector<std::pair<std::string, std::string_view>> query;
  for (const auto& [name, value] : request.query) query.emplace_back(auth::ascii_lower(name), value);
  std::sort(query.begin(), query.end());
  for (const auto& [name, value] : query) {
    out += '\n';
    out += name;
    out += ':';
    out += value;
  }
  return out;
}

std::string shared_key_authorization(std::string_view account, std::string_view key, const SignedParts& request) {
  const std::vector<unsigned char> secret = decode_key(key);
  const auth::Digest signature = auth::hmac_sha256(secret, shared_key_string_to_sign(account, request));
  return "SharedKey " + std::string(account) + ":" + auth::base64(signature);
}

}  // namespace raws3::blob
