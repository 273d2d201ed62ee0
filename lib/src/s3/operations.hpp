// The S3 operations, each a coroutine on one loop. Arguments are taken by value: a lazy coroutine
// must own what it reads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"
#include "io/task.hpp"
#include "raws3/client.hpp"
#include "s3/loop_context.hpp"
#include "s3/retry_policy.hpp"

namespace raws3::s3 {

// DeleteObjects takes at most this many keys per request.
inline constexpr std::size_t kMaxDeleteBatch = 1000;

io::Task<std::vector<BucketInfo>> list_buckets(LoopContext& context);
io::Task<void> create_bucket(LoopContext& context, std::string bucket);
io::Task<void> delete_bucket(LoopContext& context, std::string bucket);

io::Task<HeadResult> head_object(LoopContext& context, std::string bucket, std::string key, HeadOptions options = {});
// What one GET asks for.
struct GetRequest {
  std::optional<ByteRange> range{};  // unset: the whole object
  unsigned part_number = 0;          // ?partNumber=N: that part of a multipart object, with its own checksum
  std::string if_match{};  // non-empty: the server refuses (412 PreconditionFailed) once the ETag is another
  RetryPolicy* retry = nullptr;  // the attempts this request is one of (see S3Request::retry)
};
// The body goes to sink; returns what the response's headers say of the object. Asks for the checksum of
// a whole object or part unless the endpoint's ChecksumMode is Off; checking the body against it is the
// sink's part (range_get's).
io::Task<HeadResult> get_object(LoopContext& context, std::string bucket, std::string key, GetRequest get,
                                http::BodySink& sink);
// One GET of an explicit range, for callers that receive it in one request: an answer that is not the
// range asked for is refused (raws3::Error, not retried). S3 answers a range with no checksum.
io::Task<HeadResult> get_range(LoopContext& context, std::string bucket, std::string key, ByteRange range,
                               http::BodySink& sink);
// The Range header's value for range: "bytes=0-99".
std::string range_header(const ByteRange& range);

// What an answer's headers say of the object: size (from Content-Range when it has one), ETag, Last-Modified,
// Content-Type, the checksum headers, and the metadata headers named by metadata_prefix ("x-amz-meta-").
HeadResult head_result_from(const http::ResponseHead& head, std::string_view metadata_prefix);

// A Content-Range header's "bytes 0-9/1234".
struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t end = 0;  // one past the last byte
  std::uint64_t total = 0;
};
// nullopt for anything else (an unknown total "*" included).
std::optional<ContentRange> parse_content_range(std::string_view text);
// One PutObject carrying options.checksum; returns the ETag.
io::Task<std::string> put_object(LoopContext& context, std::string bucket, std::string key,
                                 std::span<const std::byte> body, PutOptions options);
// What PutObject and CreateMultipartUpload say of the object: its Content-Type and metadata.
void add_object_headers(const PutOptions& options, std::vector<http::Header>& headers);
io::Task<void> delete_object(LoopContext& context, std::string bucket, std::string key);
// One request: at most kMaxDeleteBatch keys.
io::Task<DeleteObjectsResult> delete_objects(LoopContext& context, std::string bucket,
                                             std::vector<std::string> keys);
io::Task<ListObjectsPage> list_objects_v2(LoopContext& context, std::string bucket, ListOptions options);
io::Task<MultipartUploadsPage> list_multipart_uploads(LoopContext& context, std::string bucket, std::string prefix,
                                                      std::string key_marker, std::string upload_id_marker);
// Returns the upload's id.
io::Task<std::string> create_multipart_upload(LoopContext& context, std::string bucket, std::string key,
                                              PutOptions options);
// The checksum is computed on the loop that sends the part.
io::Task<CompletedPart> upload_part(LoopContext& context, std::string bucket, std::string key, std::string upload_id,
                                    int number, std::span<const std::byte> bytes, Checksum checksum);
// Sorts parts by number; returns the object's ETag.
io::Task<std::string> complete_multipart_upload(LoopContext& context, std::string bucket, std::string key,
                                                std::string upload_id, std::vector<CompletedPart> parts,
                                                bool with_crc32c);
io::Task<void> abort_multipart_upload(LoopContext& context, std::string bucket, std::string key, std::string upload_id);

}  // namespace raws3::s3
