// Whether a local file holds an object's bytes, told by the CRC32C the server stored with the object
// (what `s3-cli sync --checksum` compares), without downloading it.
//
// S3 keeps the CRC32C of the whole object for a single PutObject, and for a multipart upload a composite:
// the CRC32C of the parts' CRC32Cs (each four bytes, most significant first), written "<base64>-N". A
// client can compute the composite again only from the object's own part layout, which a HEAD of part 1
// (and, when the parts are not all of that size, of every part) tells. A multipart ETag is no checksum of
// the bytes and is never compared.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "raws3/client.hpp"
#include "raws3/export.hpp"

namespace raws3 {

// An x-amz-checksum-crc32c value.
struct StoredCrc32c {
  std::uint32_t crc = 0;
  unsigned parts = 0;  // 0: of the whole object; N: a composite of N parts' CRC32Cs
  bool operator==(const StoredCrc32c&) const = default;
};

// nullopt for anything that is not base64 of four bytes, with "-N" (N ≥ 1) or nothing after it.
RAWS3_API std::optional<StoredCrc32c> parse_stored_crc32c(std::string_view value);

// The CRC32C S3 would store for the file uploaded in parts of part_sizes: of the whole file when
// part_sizes is empty, else the composite. Throws FileError when the file cannot be read or its size is
// not the parts' sum.
RAWS3_API StoredCrc32c file_crc32c(const std::string& path, std::span<const std::uint64_t> part_sizes);

enum class ChecksumMatch {
  Same,
  Different,
  Unknown,  // the server holds no CRC32C of the object
};

// Compares the file at path with bucket/key, whose HEAD with HeadOptions::checksum is head (callers keep
// many of those in flight). Blocking: reads the file, and asks for a multipart object's part layout.
RAWS3_API ChecksumMatch compare_file_with_object(Client& client, const std::string& path, const std::string& bucket,
                                                 const std::string& key, const HeadResult& head);

// An object and its HEAD with HeadOptions::checksum.
struct ObjectChecksum {
  std::string bucket;
  std::string key;
  HeadResult head;
};

// Two objects by their stored CRC32Cs. Values of the same form are compared as they are; otherwise (a
// copy the server gave a whole-object value, composites of other part layouts) each composite is folded
// into its whole-object value from its parts' values and sizes, asked for with a HEAD per part. Blocking.
RAWS3_API ChecksumMatch compare_objects(Client& client, const ObjectChecksum& a, const ObjectChecksum& b);

}  // namespace raws3
