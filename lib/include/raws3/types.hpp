// Small value types for what S3 says about buckets, objects and uploads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace raws3 {

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
};

struct MultipartUploadsPage {
  std::vector<MultipartUploadInfo> uploads;
  bool is_truncated = false;
  std::string next_key_marker;  // with next_upload_id_marker, where the next page starts
  std::string next_upload_id_marker;
};

}  // namespace raws3
