#include "s3/checksums.hpp"

#include <openssl/evp.h>

#include "raws3/error.hpp"

namespace raws3::s3 {

std::string content_md5(std::span<const std::byte> body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(body.data(), body.size(), digest, &length, EVP_md5(), nullptr) != 1)
    throw Error("MD5 is not available from OpenSSL");
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(encoded, digest, int(length));
  return std::string(reinterpret_cast<const char*>(encoded), std::size_t(n));
}

}  // namespace raws3::s3
