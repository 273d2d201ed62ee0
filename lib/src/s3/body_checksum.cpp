#include "s3/body_checksum.hpp"

#include <zlib.h>

#include <cctype>
#include <charconv>
#include <string_view>

#include "auth/hash.hpp"
#include "io/crc32c.hpp"
#include "io/crc64nvme.hpp"
#include "raws3/error.hpp"

namespace raws3::s3 {

namespace {

struct Known {
  const char* header;
  ChecksumKind kind;
};
constexpr Known kKnown[] = {{"x-amz-checksum-crc32c", ChecksumKind::Crc32c},
                            {"x-amz-checksum-crc32", ChecksumKind::Crc32},
                            {"x-amz-checksum-crc64nvme", ChecksumKind::Crc64Nvme},
                            {"x-amz-checksum-sha256", ChecksumKind::Sha256},
                            {"x-amz-checksum-sha1", ChecksumKind::Sha1}};

}  // namespace

const char* checksum_name(ChecksumKind kind) noexcept {
  switch (kind) {
    case ChecksumKind::Crc32c: return "CRC32C";
    case ChecksumKind::Crc32: return "CRC32";
    case ChecksumKind::Crc64Nvme: return "CRC64NVME";
    case ChecksumKind::Sha1: return "SHA-1";
    case ChecksumKind::Sha256: return "SHA-256";
  }
  return "?";
}

std::optional<StatedChecksum> stated_checksum(const http::ResponseHead& head) {
  for (const Known& known : kKnown) {
    const std::string* text = head.find(known.header);
    if (!text || text->empty()) continue;
    StatedChecksum stated{known.kind, *text};
    if (const std::size_t dash = text->find('-'); dash != std::string::npos) {
      const std::string_view count = std::string_view(*text).substr(dash + 1);
      auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), stated.parts);
      // A suffix that is not a part count says nothing we could check against.
      if (ec != std::errc() || end != count.data() + count.size() || stated.parts == 0) continue;
      stated.value.resize(dash);
    }
    return stated;
  }
  return std::nullopt;
}

std::string checksums_present(const http::ResponseHead& head) {
  std::string names;
  for (const http::Header& header : head.headers) {
    constexpr std::string_view kPrefix = "x-amz-checksum-";
    if (header.name.size() <= kPrefix.size() || !std::string_view(header.name).starts_with(kPrefix) ||
        header.name == "x-amz-checksum-type")
      continue;
    std::string name = header.name.substr(kPrefix.size());
    for (char& c : name) c = char(std::toupper(static_cast<unsigned char>(c)));
    names += (names.empty() ? "" : ", ") + name;
  }
  return names;
}

RunningChecksum::RunningChecksum(ChecksumKind kind) : kind_(kind) {
  if (kind == ChecksumKind::Sha1 || kind == ChecksumKind::Sha256) {
    digest_.reset(EVP_MD_CTX_new());
    if (!digest_ ||
        EVP_DigestInit_ex(digest_.get(), kind == ChecksumKind::Sha1 ? EVP_sha1() : EVP_sha256(), nullptr) != 1)
      throw Error(std::string(checksum_name(kind)) + " is not available from OpenSSL");
  }
}

void RunningChecksum::update(std::span<const std::byte> bytes) {
  switch (kind_) {
    case ChecksumKind::Crc32c:
      crc_ = io::crc32c(bytes, std::uint32_t(crc_));
      break;
    case ChecksumKind::Crc32:
      crc_ = std::uint32_t(::crc32_z(uLong(crc_), reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
      break;
    case ChecksumKind::Crc64Nvme:
      crc_ = io::crc64nvme(bytes, crc_);
      break;
    case ChecksumKind::Sha1:
    case ChecksumKind::Sha256:
      EVP_DigestUpdate(digest_.get(), bytes.data(), bytes.size());
      break;
  }
}

std::string RunningChecksum::value() {
  if (!digest_) return crc_value(kind_, crc_);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(digest_.get(), digest, &length);
  return auth::base64({digest, length});
}

std::uint64_t RunningChecksum::combine(ChecksumKind kind, std::uint64_t first, std::uint64_t second,
                                       std::uint64_t second_length) {
  switch (kind) {
    case ChecksumKind::Crc32c: return io::crc32c_combine(std::uint32_t(first), std::uint32_t(second), second_length);
    case ChecksumKind::Crc64Nvme: return io::crc64nvme_combine(first, second, second_length);
    default: return std::uint32_t(::crc32_combine(uLong(first), uLong(second), z_off_t(second_length)));  // z_off_t: 64-bit
  }
}

std::string RunningChecksum::crc_value(ChecksumKind kind, std::uint64_t crc) {
  const std::size_t width = kind == ChecksumKind::Crc64Nvme ? 8 : 4;
  unsigned char bytes[8];
  for (std::size_t i = 0; i < width; ++i) bytes[i] = static_cast<unsigned char>(crc >> (8 * (width - 1 - i)));
  return auth::base64({bytes, width});
}

}  // namespace raws3::s3
