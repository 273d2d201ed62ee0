// Body checksums S3 asks for in headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "http/request.hpp"
#include "raws3/client.hpp"

namespace raws3::s3 {

// Base64 of the body's MD5, for Content-MD5 (DeleteObjects requires one).
std::string content_md5(std::span<const std::byte> body);

// The value of x-amz-checksum-crc32c: base64 of the CRC's four bytes, most significant first.
std::string crc32c_base64(std::uint32_t crc);

// Adds the header that lets the server verify body under `checksum` to headers; returns the CRC32C
// text when that is the checksum (a CompleteMultipartUpload lists it), else "".
std::string add_body_checksum(Checksum checksum, std::span<const std::byte> body,
                              std::vector<http::Header>& headers);

}  // namespace raws3::s3
