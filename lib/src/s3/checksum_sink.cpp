#include "s3/checksum_sink.hpp"

#include <zlib.h>

#include <charconv>
#include <string_view>

#include "io/crc32c.hpp"
#include "raws3/error.hpp"
#include "s3/checksums.hpp"

namespace raws3::s3 {

namespace {

// Whether the answer holds the object from its first byte to its last: only then does a full-object
// checksum say anything about it. A retry that resumes mid-object is a range that does not.
bool whole_object(const http::ResponseHead& head) {
  const std::string* range = head.find("content-range");
  if (!range) return head.status == 200;
  // "bytes 0-<last>/<total>" with last + 1 == total.
  std::string_view text = *range;
  if (!text.starts_with("bytes 0-")) return false;
  text.remove_prefix(8);
  std::uint64_t last = 0;
  std::uint64_t total = 0;
  auto [slash, ec] = std::from_chars(text.data(), text.data() + text.size(), last);
  if (ec != std::errc() || slash == text.data() + text.size() || *slash != '/') return false;
  auto [end, ec2] = std::from_chars(slash + 1, text.data() + text.size(), total);
  return ec2 == std::errc() && end == text.data() + text.size() && last + 1 == total;
}

std::string base64(std::span<const unsigned char> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  out.resize(std::size_t(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), int(bytes.size()))));
  return out;
}

}  // namespace

bool ChecksumSink::begin(const http::ResponseHead& head) {
  algorithm_.clear();
  if (whole_object(head)) {
    static const struct {
      const char* header;
      const char* name;
    } kinds[] = {{"x-amz-checksum-crc32c", "CRC32C"}, {"x-amz-checksum-crc32", "CRC32"},
                 {"x-amz-checksum-sha256", "SHA-256"}};
    for (const auto& kind : kinds) {
      const std::string* value = head.find(kind.header);
      if (!value || value->find('-') != std::string::npos) continue;
      algorithm_ = kind.name;
      expected_ = *value;
      break;
    }
  }
  crc_ = 0;
  if (algorithm_ == "SHA-256") {
    sha256_.reset(EVP_MD_CTX_new());
    if (!sha256_ || EVP_DigestInit_ex(sha256_.get(), EVP_sha256(), nullptr) != 1)
      throw Error("SHA-256 is not available from OpenSSL");
  }
  return inner_.begin(head);
}

io::Task<void> ChecksumSink::commit(std::size_t n) {
  const std::span<const std::byte> bytes = pending_.first(n);
  if (algorithm_ == "CRC32C") {
    crc_ = io::crc32c(bytes, crc_);
  } else if (algorithm_ == "CRC32") {
    crc_ = std::uint32_t(::crc32_z(crc_, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
  } else if (algorithm_ == "SHA-256") {
    EVP_DigestUpdate(sha256_.get(), bytes.data(), bytes.size());
  }
  co_await inner_.commit(n);
}

io::Task<void> ChecksumSink::finish() {
  if (!algorithm_.empty()) {
    std::string actual;
    if (algorithm_ == "SHA-256") {
      unsigned char digest[EVP_MAX_MD_SIZE];
      unsigned int length = 0;
      EVP_DigestFinal_ex(sha256_.get(), digest, &length);
      actual = base64({digest, length});
    } else {
      actual = crc32c_base64(crc_);  // any CRC-32's four bytes, most significant first
    }
    if (actual != expected_)
      throw IntegrityError("the body does not match its checksum: the server says " + algorithm_ + " " +
                           expected_ + ", the bytes received give " + actual);
  }
  co_await inner_.finish();
}

}  // namespace raws3::s3
