// Server-side copies of any size.
//
// Up to the threshold, one CopyObject. Above it (S3 copies at most 5 GiB in one request) a multipart
// upload: CreateMultipartUpload carrying the source's content type and metadata (UploadPartCopy carries
// none over), then UploadPartCopy ranges of the part size, `inflight` at once, each conditional on the
// ETag the HEAD saw (x-amz-copy-source-if-match: a source replaced mid-copy fails the copy instead of
// splicing two objects), then Complete. Every part runs on the home loop: the bytes never leave the server,
// so one loop has all the work there is. Any failure aborts the upload after the parts in flight have
// ended, so nothing is left open; the copy's coroutine frame outlives every part it started.
#pragma once

#include <cstdint>
#include <string>

#include "io/task.hpp"
#include "raws3/client.hpp"
#include "s3/loop_context.hpp"

namespace raws3::s3 {

struct CopySettings {
  std::string src_bucket;
  std::string src_key;
  std::string dst_bucket;
  std::string dst_key;
  CopyOptions options;
  std::uint64_t threshold = 0;  // Tuning::copy_threshold
  std::uint64_t part_size = 0;  // Tuning::copy_part_size, raised when the source needs more than 10,000 parts
  unsigned inflight = 1;
};

// Returns the new object's ETag.
io::Task<std::string> copy_object(LoopContext& home, CopySettings settings);

}  // namespace raws3::s3
