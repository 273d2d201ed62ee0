// SHA-256, HMAC-SHA256, lower-case hex and base64: the primitives of SigV4 and of the checksum headers. The
// digests and base64 come from OpenSSL 3 (EVP); hex is ours.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace raws3::auth {

using Digest = std::array<unsigned char, 32>;

// Safe to call from any thread: each thread keeps its own OpenSSL contexts.
Digest sha256(std::span<const std::byte> data);
inline Digest sha256(std::string_view data) { return sha256(std::as_bytes(std::span(data))); }

Digest hmac_sha256(std::span<const unsigned char> key, std::string_view data);

void hex_append(std::string& out, std::span<const unsigned char> bytes);
std::string hex(std::span<const unsigned char> bytes);

// Standard base64, padded (what S3's checksum headers and Content-MD5 carry).
std::string base64(std::span<const unsigned char> bytes);

}  // namespace raws3::auth
