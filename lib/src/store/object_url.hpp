// The locations s3-cli takes: s3://bucket/key, file:///path, a plain local path, or "-".
#pragma once

#include <string>
#include <string_view>

namespace raws3::store {

struct Location {
  enum Kind { S3, File, Stdio };
  Kind kind = File;
  std::string bucket;  // S3
  std::string key;     // S3: all after the '/' that ends the bucket, verbatim; empty for the bucket itself
  std::string path;    // File
};

// "-" is stdin or stdout. s3://bucket[/key] keeps the key exactly as written ("s3://b//k" has key "/k").
// file:///abs, file://localhost/abs and file:/abs are percent-decoded; anything without a scheme is a
// local path taken as is ("a:b" included). Throws raws3::ConfigError naming the argument and its fault.
Location parse_location(std::string_view arg);

}  // namespace raws3::store
