// aws-chunked uploads (x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD): each chunk of the body
// carries a signature chained from the one before it, the first from the signature of the headers.
//
// On the wire, each chunk is next_header(data), the data, then kChunkEnd; the body ends with an empty chunk.
// The request carries Content-Encoding: aws-chunked, x-amz-decoded-content-length: <object size> and
// Content-Length: aws_chunked_length(object size, chunk size), all signed with the headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "auth/hash.hpp"
#include "auth/sigv4.hpp"

namespace raws3::auth {

inline constexpr std::string_view kChunkEnd = "\r\n";

// Framing around one chunk of `size` bytes: "<hex size>;chunk-signature=<64 hex>\r\n" and kChunkEnd.
std::uint64_t aws_chunk_overhead(std::uint64_t size) noexcept;
// Content-Length of the aws-chunked body of decoded_length bytes cut into chunks of chunk_size (the last one
// shorter), the final empty chunk included. Throws raws3::ConfigError for a zero chunk size.
std::uint64_t aws_chunked_length(std::uint64_t decoded_length, std::uint64_t chunk_size);

class ChunkSigner {
 public:
  // Continues from the request `signer` signed last, which must have been a sign() with payload hash
  // kStreamingPayload (else raws3::ConfigError). Copies what it needs: the signer may sign other requests.
  explicit ChunkSigner(const Signer& signer);

  // Signs the next chunk and returns its header line; the view is valid until the next call. Call it with an
  // empty chunk for the final one.
  std::string_view next_header(std::span<const std::byte> chunk);
  // The signature of the last chunk signed; the seed signature before the first.
  std::string_view signature() const noexcept { return signature_; }

 private:
  Digest key_;
  std::string prefix_;  // "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n": the same in every string to sign
  std::string signature_;
  std::string string_to_sign_;
  std::string header_;
};

}  // namespace raws3::auth
