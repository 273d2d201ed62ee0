// Body checksums S3 asks for in headers.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace raws3::s3 {

// Base64 of the body's MD5, for Content-MD5 (DeleteObjects requires one).
std::string content_md5(std::span<const std::byte> body);

}  // namespace raws3::s3
