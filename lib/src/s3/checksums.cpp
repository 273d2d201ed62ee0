#include "s3/checksums.hpp"

#include <openssl/evp.h>

#include "auth/hash.hpp"
#include "io/crc32c.hpp"
#include "raws3/error.hpp"

namespace raws3::s3 {

std::string content_md5(std::span<const std::byte> body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(body.data(), body.size(), digest, &length, EVP_md5(), nullptr) != 1)
    throw Error("MD5 is not available from OpenSSL");
  return auth::base64({digest, length});
}

std::string crc32c_base64(std::uint32_t crc) {
  const unsigned char bytes[4] = {static_cast<unsigned char>(crc >> 24), static_cast<unsigned char>(crc >> 16),
                                  static_cast<unsigned char>(crc >> 8), static_cast<unsigned char>(crc)};
  return auth::base64(bytes);
}

std::string add_body_checksum(Checksum checksum, std::span<const std::byte> body,
                              std::vector<http::Header>& headers) {
  switch (checksum) {
    case Checksum::Crc32c: {
      std::string value = crc32c_base64(io::crc32c(body));
      headers.push_back({"x-amz-checksum-crc32c", value});
      return value;
    }
    case Checksum::Md5:
      headers.push_back({"Content-MD5", content_md5(body)});
      return {};
    case Checksum::None:
      return {};
  }
  return {};
}

}  // namespace raws3::s3
