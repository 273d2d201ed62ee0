#include "s3/server_copy.hpp"

#include <algorithm>
#include <vector>

#include "auth/uri_encode.hpp"
#include "io/wait_queue.hpp"
#include "raws3/error.hpp"
#include "s3/executor.hpp"
#include "s3/multipart_put.hpp"
#include "s3/operations.hpp"
#include "s3/xml.hpp"

namespace raws3::s3 {

// Requests are named locals, never temporaries inside a co_await expression (GCC 12 double-frees those).

namespace {

std::string copy_source(const std::string& bucket, const std::string& key) {
  std::string source = "/" + bucket + "/";
  auth::uri_encode_append(source, key, /*keep_slash=*/true);
  return source;
}

io::Task<std::string> copy_in_one(LoopContext& home, const CopySettings& s) {
  S3Request request{.method = "PUT", .bucket = s.dst_bucket, .key = s.dst_key};
  request.headers.push_back({"x-amz-copy-source", copy_source(s.src_bucket, s.src_key)});
  if (s.options.replace_metadata) {
    request.headers.push_back({"x-amz-metadata-directive", "REPLACE"});
    add_object_headers(s.options.attributes, request.headers);
  } else if (!s.options.attributes.storage_class.empty()) {
    request.headers.push_back({"x-amz-storage-class", s.options.attributes.storage_class});
  }
  S3Response r = co_await execute(home, request);
  // CopyObject may answer 200 and still fail: the reader throws the <Error> it finds.
  co_return parse_copy_object_result(r.body).etag;
}

io::Task<CompletedPart> copy_part(LoopContext& home, std::string bucket, std::string key, std::string upload_id,
                                  std::string source, std::string if_match, int number, std::uint64_t first,
                                  std::uint64_t last) {
  S3Request request{.method = "PUT", .bucket = bucket, .key = key};
  request.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
  request.headers.push_back({"x-amz-copy-source", source});
  request.headers.push_back({"x-amz-copy-source-range", "bytes=" + std::to_string(first) + "-" + std::to_string(last)});
  if (!if_match.empty()) request.headers.push_back({"x-amz-copy-source-if-match", if_match});
  S3Response r = co_await execute(home, request);
  co_return CompletedPart{.part_number = number, .etag = parse_copy_object_result(r.body).etag, .checksum_crc32c = {}};
}

// The parts in flight of one multipart copy, all on the home loop.
struct PartWindow {
  unsigned running = 0;
  std::exception_ptr failure;
  std::vector<CompletedPart> done;
  io::WaitQueue slot;     // a part ended: room for the next
  io::WaitQueue drained;  // the last part ended
};

io::Task<std::string> copy_in_parts(LoopContext& home, const CopySettings& s, const HeadResult& source) {
  const std::uint64_t part = plan_parts(s.part_size, source.size, "Tuning::copy_part_size (RAWS3_COPY_PART_SIZE)",
                                        kS3PartLimits).part_size;
  S3Request create{.method = "POST", .bucket = s.dst_bucket, .key = s.dst_key};
  create.query.emplace_back("uploads", "");
  PutOptions attributes = s.options.attributes;
  if (!s.options.replace_metadata) {
    attributes.content_type = source.content_type;
    attributes.metadata = source.metadata;
  }
  add_object_headers(attributes, create.headers);
  // A CreateMultipartUpload sent twice would leave the first upload orphaned.
  create.idempotent = false;
  S3Response created = co_await execute(home, create);
  const std::string upload_id = parse_initiate_multipart(created.body);

  PartWindow window;
  const std::string from = copy_source(s.src_bucket, s.src_key);
  int number = 1;
  for (std::uint64_t first = 0; first < source.size && !window.failure; first += part, ++number) {
    while (window.running >= s.inflight && !window.failure) co_await window.slot.wait();
    if (window.failure) break;
    ++window.running;
    const std::uint64_t last = std::min(source.size, first + part) - 1;
    io::spawn(copy_part(home, s.dst_bucket, s.dst_key, upload_id, from, source.etag, number, first, last),
              [&window](std::variant<std::monostate, CompletedPart> outcome, std::exception_ptr error) {
                --window.running;
                if (error) {
                  if (!window.failure) window.failure = error;
                } else {
                  window.done.push_back(std::move(std::get<CompletedPart>(outcome)));
                }
                // One wake, the last touch of window: the copy resumed may run on to its end.
                if (!window.drained.empty())
                  window.drained.wake_one();
                else
                  window.slot.wake_one();
              });
  }
  while (window.running > 0) co_await window.drained.wait();

  std::exception_ptr error = window.failure;
  if (!error) {
    try {
      co_return co_await complete_multipart_upload(home, s.dst_bucket, s.dst_key, upload_id, std::move(window.done),
                                                   /*with_crc32c=*/false);
    } catch (...) {
      error = std::current_exception();
    }
  }
  try {
    co_await abort_multipart_upload(home, s.dst_bucket, s.dst_key, upload_id);
  } catch (...) {
    // The failure that made us abort matters more to the caller than this one.
  }
  std::rethrow_exception(error);
}

}  // namespace

io::Task<std::string> copy_object(LoopContext& home, CopySettings settings) {
  if (settings.options.source_size && *settings.options.source_size <= settings.threshold)
    co_return co_await copy_in_one(home, settings);
  HeadResult source = co_await head_object(home, settings.src_bucket, settings.src_key);
  if (source.size <= settings.threshold) co_return co_await copy_in_one(home, settings);
  co_return co_await copy_in_parts(home, settings, source);
}

}  // namespace raws3::s3
