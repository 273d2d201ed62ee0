// Command-line locations: which side of a command is an object service (S3, Azure Blob), a local file or
// stdin/stdout.
#pragma once

#include <string>
#include <string_view>

#include "store/object_url.hpp"

namespace s3cli {

// A parsed location and the words it was written as: results and error lines quote the user's spelling.
struct Location : raws3::store::Location {
  std::string text;

  // An object or bucket of either service (s3:// or az://).
  bool is_s3() const noexcept { return kind == S3; }
  bool is_azure() const noexcept { return kind == S3 && service == raws3::Service::AzureBlob; }
  bool is_file() const noexcept { return kind == File; }
  bool is_stdio() const noexcept { return kind == Stdio; }
};

// A malformed argument is a UsageError (exit 2).
Location locate(std::string_view arg);
// As locate, and an argument that is not s3:// or az:// is a UsageError too.
Location locate_s3(std::string_view arg);
// s3://bucket/key with a key, or s3://bucket with none; anything else is a UsageError.
Location locate_s3_object(std::string_view arg);
void require_key(const Location& loc);
Location locate_s3_bucket(std::string_view arg);

// An object of the service given: its text is s3://bucket/key or az://container/blob.
Location s3_location(std::string bucket, std::string key, raws3::Service service = raws3::Service::S3);
Location file_location(std::string path);

// The service a recursive copy or sync talks to: its object side's (S3 when neither side is one). Between
// s3:// and az:// (two services) a UsageError: one transfer queue runs on one client.
raws3::Service tree_service(const Location& src, const Location& dst);

// The part of a key after its last '/': what a download is named by default.
std::string key_basename(std::string_view key);
// A key prefix that names a "directory" in a recursive command: "" stays "", "a" becomes "a/".
std::string directory_prefix(std::string_view key);

}  // namespace s3cli
