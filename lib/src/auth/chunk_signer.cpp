#include "auth/chunk_signer.hpp"

#include <bit>

#include "raws3/error.hpp"

namespace raws3::auth {
namespace {

constexpr std::string_view kChunkSignature = ";chunk-signature=";
constexpr std::size_t kSignatureHexSize = 64;

std::uint64_t hex_digits(std::uint64_t value) noexcept {
  return value == 0 ? 1 : (static_cast<std::uint64_t>(std::bit_width(value)) + 3) / 4;
}

void append_hex(std::string& out, std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (auto shift = static_cast<int>(4 * (hex_digits(value) - 1)); shift >= 0; shift -= 4) {
    out.push_back(kDigits[(value >> shift) & 0x0f]);
  }
}

}  // namespace

std::uint64_t aws_chunk_overhead(std::uint64_t size) noexcept {
  return hex_digits(size) + kChunkSignature.size() + kSignatureHexSize + 2 + kChunkEnd.size();
}

std::uint64_t aws_chunked_length(std::uint64_t decoded_length, std::uint64_t chunk_size) {
  if (chunk_size == 0) throw ConfigError("aws-chunked upload with a chunk size of 0");
  const std::uint64_t full = decoded_length / chunk_size;
  const std::uint64_t rest = decoded_length % chunk_size;
  return decoded_length + full * aws_chunk_overhead(chunk_size) + (rest > 0 ? aws_chunk_overhead(rest) : 0) +
         aws_chunk_overhead(0);
}

ChunkSigner::ChunkSigner(const Signer& signer) : key_(signer.key_), signature_(signer.signature_) {
  if (!signer.streaming_) {
    throw ConfigError("aws-chunked signing needs a request signed with " + std::string(kStreamingPayload));
  }
  prefix_.append("AWS4-HMAC-SHA256-PAYLOAD\n").append(signer.amz_date_).append("\n").append(signer.scope_);
  prefix_.push_back('\n');
}

std::string_view ChunkSigner::next_header(std::span<const std::byte> chunk) {
  string_to_sign_.assign(prefix_).append(signature_).append("\n").append(kEmptyPayloadSha256).push_back('\n');
  hex_append(string_to_sign_, sha256(chunk));
  signature_.clear();
  hex_append(signature_, hmac_sha256(key_, string_to_sign_));

  header_.clear();
  append_hex(header_, chunk.size());
  header_.append(kChunkSignature).append(signature_).append("\r\n");
  return header_;
}

}  // namespace raws3::auth
