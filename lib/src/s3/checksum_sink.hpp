// Download integrity: a body checked against the full-object checksum its answer carries.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "http/response.hpp"

namespace raws3::s3 {

// The request header that asks S3 for the object's checksum in the answer.
inline constexpr const char* kChecksumModeHeader = "x-amz-checksum-mode";

// Passes a body through to `inner` and, when the answer is the whole object and carries a full-object
// x-amz-checksum-crc32c, -crc32 or -sha256 (S3 sends them to a GET with x-amz-checksum-mode: ENABLED),
// checks the body against it at the end. Composite checksums ("...-N", of a multipart upload's parts)
// cannot be checked from the body and are skipped, as are answers that carry none.
class ChecksumSink final : public http::BodySink {
 public:
  explicit ChecksumSink(http::BodySink& inner) : inner_(inner) {}
  ChecksumSink(const ChecksumSink&) = delete;
  ChecksumSink& operator=(const ChecksumSink&) = delete;

  bool begin(const http::ResponseHead& head) override;
  void expect(std::optional<std::uint64_t> length) override { inner_.expect(length); }
  std::span<std::byte> buffer() override { return pending_ = inner_.buffer(); }
  io::Task<void> commit(std::size_t n) override;
  // Throws raws3::IntegrityError naming both checksums when they differ, before the inner sink finishes.
  io::Task<void> finish() override;

  // Which checksum is being checked ("CRC32C"); empty when none is.
  const std::string& algorithm() const noexcept { return algorithm_; }

 private:
  struct DigestFree {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
  };

  http::BodySink& inner_;
  std::span<std::byte> pending_;  // what buffer() last handed out: the bytes commit() confirms
  std::string algorithm_;
  std::string expected_;  // the header's base64 value
  std::uint32_t crc_ = 0;
  std::unique_ptr<EVP_MD_CTX, DigestFree> sha256_;
};

}  // namespace raws3::s3
