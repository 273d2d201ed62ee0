// Download integrity: the checksum an answer states for its bytes or its object, and the same checksum
// computed over the bytes as they arrive.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "http/response.hpp"

namespace raws3::s3 {

// The request header that asks S3 for the object's checksum in the answer.
inline constexpr const char* kChecksumModeHeader = "x-amz-checksum-mode";

// The algorithms this client computes: every one S3 offers (CRC64NVME is what it computes for an object
// uploaded without a checksum).
enum class ChecksumKind { Crc32c, Crc32, Crc64Nvme, Sha1, Sha256 };

const char* checksum_name(ChecksumKind kind) noexcept;  // "CRC32C"

// What an answer's x-amz-checksum-<algorithm> header says (S3 sends one to a request made in checksum
// mode): of the bytes of a whole-object or part answer, or, composite, of a multipart object's part
// checksums ("<base64>-<parts>"), which no body can be checked against: its parts must be fetched one
// by one, each answered with its own.
struct StatedChecksum {
  ChecksumKind kind;
  std::string value;  // base64, without the "-<parts>"
  unsigned parts = 0;  // composite: the object's number of parts; 0 otherwise
};

// The first checksum the head carries in an algorithm this client computes; nullopt when none.
std::optional<StatedChecksum> stated_checksum(const http::ResponseHead& head);
// For errors: the x-amz-checksum-* headers the head carries, named ("CRC64NVME"); empty when none.
std::string checksums_present(const http::ResponseHead& head);

// One checksum computed over bytes as they come. The CRCs of consecutive ranges combine into the CRC
// of the whole (combinable()), so an object fetched as concurrent ranges is checked against its
// full-object CRC; SHA digests do not.
class RunningChecksum {
 public:
  explicit RunningChecksum(ChecksumKind kind);
  RunningChecksum(RunningChecksum&&) noexcept = default;
  RunningChecksum& operator=(RunningChecksum&&) noexcept = default;

  ChecksumKind kind() const noexcept { return kind_; }
  void update(std::span<const std::byte> bytes);
  // As S3 writes it: base64 of the big-endian CRC or of the digest. Ends a SHA digest.
  std::string value();

  static bool combinable(ChecksumKind kind) noexcept {
    return kind == ChecksumKind::Crc32c || kind == ChecksumKind::Crc32 || kind == ChecksumKind::Crc64Nvme;
  }
  std::uint64_t crc() const noexcept { return crc_; }
  // The CRC of A then B, from CRC(A), CRC(B) and B's length.
  static std::uint64_t combine(ChecksumKind kind, std::uint64_t first, std::uint64_t second, std::uint64_t second_length);
  // As S3 writes a CRC of that kind: base64 of its bytes, most significant first.
  static std::string crc_value(ChecksumKind kind, std::uint64_t crc);

 private:
  struct DigestFree {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
  };

  ChecksumKind kind_;
  std::uint64_t crc_ = 0;
  std::unique_ptr<EVP_MD_CTX, DigestFree> digest_;
};

}  // namespace raws3::s3
