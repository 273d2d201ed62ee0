// The locations s3-cli takes: s3://bucket/key, az://container/blob, file:///path, a plain local path, or "-".
#pragma once

#include <string>
#include <string_view>

#include "raws3/config.hpp"

namespace raws3::store {

struct Location {
  // S3: an object (or bucket) of an object service, S3's or Azure Blob's.
  enum Kind { S3, File, Stdio };
  Kind kind = File;
  std::string bucket;  // S3: the bucket, or Azure's container
  std::string key;     // S3: all after the '/' that ends the bucket, verbatim; empty for the bucket itself
  std::string path;    // File
  Service service = Service::S3;  // S3: whose object

  // "s3://" or "az://"
  std::string_view scheme() const noexcept { return service == Service::AzureBlob ? "az://" : "s3://"; }
};

// "-" is stdin or stdout. s3://bucket[/key] keeps the key exactly as written ("s3://b//k" has key "/k"), and
// az://container[/blob] likewise; the account is the Azure client's.
// file:///abs, file://localhost/abs and file:/abs are percent-decoded; anything without a scheme is a
// local path taken as is ("a:b" included). Throws raws3::ConfigError naming the argument and its fault.
Location parse_location(std::string_view arg);

}  // namespace raws3::store
