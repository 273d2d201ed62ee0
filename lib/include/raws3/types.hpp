// Small value types for what S3 says about buckets, objects and uploads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace raws3 {

// Memory lent to an upload without a copy: `bytes` stay valid and unchanged while `owner` is held, and the
// upload holds `owner` until it reads them no more. A null owner: the caller keeps the bytes alive and
// unchanged until the call has ended.
struct SharedBytes {
  SharedBytes() = default;
  SharedBytes(std::span<const std::byte> bytes, std::shared_ptr<const void> owner)
      : bytes(bytes), owner(std::move(owner)) {}
  // A whole vector, shared with the upload.
  SharedBytes(std::shared_ptr<const std::vector<std::byte>> vector)  // NOLINT: a vector is a natural body
      : bytes(vector ? std::span<const std::byte>(*vector) : std::span<const std::byte>{}), owner(std::move(vector)) {}

  std::span<const std::byte> bytes;
  std::shared_ptr<const void> owner;
};

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;           // as the server sent it, quotes included
  std::string last_modified;  // as the server sent it (ISO 8601 in listings)
  std::string storage_class;
};

struct BucketInfo {
  std::string name;
  std::string creation_date;  // as the server sent it
};

struct ListObjectsPage {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  std::string next_continuation_token;  // set when is_truncated
  bool is_truncated = false;
  std::uint64_t key_count = 0;  // objects plus common prefixes in this page
};

struct DeleteObjectsResult {
  struct Failure {
    std::string key;
    std::string code;
    std::string message;
  };
  std::vector<std::string> deleted;  // empty in quiet mode, which reports failures only
  std::vector<Failure> errors;
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;
  std::string checksum_crc32c;  // base64, as sent in x-amz-checksum-crc32c
};

struct MultipartUploadInfo {
  std::string key;
  std::string upload_id;
  std::string initiated{};  // as the server sent it (ISO 8601)
};

struct MultipartUploadsPage {
  std::vector<MultipartUploadInfo> uploads;
  bool is_truncated = false;
  std::string next_key_marker;  // with next_upload_id_marker, where the next page starts
  std::string next_upload_id_marker;
};

}  // namespace raws3
