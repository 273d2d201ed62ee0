#include "s3/operations.hpp"

#include <algorithm>
#include <charconv>

#include "auth/hash.hpp"
#include "auth/uri_encode.hpp"
#include "raws3/error.hpp"
#include "s3/attempt_trace.hpp"
#include "s3/body_checksum.hpp"
#include "s3/checksums.hpp"
#include "s3/executor.hpp"
#include "s3/xml.hpp"

namespace raws3::s3 {

// Every request is a named local, never a temporary inside a co_await expression: GCC 12 destroys such
// temporaries wrongly (double free) or rejects braced literals in them.

namespace {

constexpr std::string_view kMetaPrefix = "x-amz-meta-";

std::uint64_t parse_length(const std::string& text, const char* what) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size())
    throw NetworkError(std::string("malformed ") + what + " header: '" + text + "'");
  return n;
}

std::string payload_sha256(std::string_view body) { return auth::hex(auth::sha256(body)); }

}  // namespace

HeadResult head_result_from(const http::ResponseHead& head, std::string_view metadata_prefix) {
  HeadResult r;
  std::uint64_t length = 0;
  if (head.content_length)
    length = *head.content_length;
  else if (const std::string* text = head.find("content-length"))
    length = parse_length(*text, "Content-Length");  // a HEAD answer: the parser skipped the body
  r.size = length;
  r.part.length = length;
  if (const std::string* range = head.find("content-range")) {
    // "bytes 0-9/1234": the object's size is after the slash.
    auto slash = range->rfind('/');
    if (slash != std::string::npos && range->compare(slash + 1, std::string::npos, "*") != 0)
      r.size = parse_length(range->substr(slash + 1), "Content-Range");
    if (const std::optional<ContentRange> got = parse_content_range(*range)) r.part = {got->first, got->end - got->first};
  }
  if (const std::string* v = head.find("etag")) r.etag = *v;
  if (const std::string* v = head.find("last-modified")) r.last_modified = *v;
  if (const std::string* v = head.find("content-type")) r.content_type = *v;
  if (const std::string* v = head.find("x-amz-checksum-crc32c")) r.checksum_crc32c = *v;
  if (const std::string* v = head.find("x-amz-mp-parts-count")) {
    const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), r.parts_count);
    if (ec != std::errc() || end != v->data() + v->size())
      throw NetworkError("malformed x-amz-mp-parts-count header: '" + *v + "'");
  }
  for (const http::Header& h : head.headers)
    if (h.name.starts_with(metadata_prefix)) r.metadata.emplace(h.name.substr(metadata_prefix.size()), h.value);
  return r;
}

io::Task<std::vector<BucketInfo>> list_buckets(LoopContext& context) {
  const S3Request request{.method = "GET"};
  S3Response r = co_await execute(context, request);
  co_return parse_list_buckets(r.body);
}

io::Task<void> create_bucket(LoopContext& context, std::string bucket) {
  const std::string body = build_create_bucket_configuration(context.endpoint().region);
  http::MemorySource source(http::as_bytes(body));
  const S3Request request{.method = "PUT",
                          .bucket = bucket,
                          .body = body.empty() ? nullptr : &source,
                          .payload_hash = payload_sha256(body)};
  co_await execute(context, request);
}

io::Task<void> delete_bucket(LoopContext& context, std::string bucket) {
  const S3Request request{.method = "DELETE", .bucket = bucket};
  co_await execute(context, request);
}

io::Task<HeadResult> head_object(LoopContext& context, std::string bucket, std::string key, HeadOptions options) {
  S3Request request{.method = "HEAD", .bucket = bucket, .key = key};
  if (options.part_number) request.query.emplace_back("partNumber", std::to_string(options.part_number));
  if (options.checksum) request.headers.push_back({kChecksumModeHeader, "ENABLED"});
  S3Response r = co_await execute(context, request);
  co_return head_result_from(r.head, kMetaPrefix);
}

std::optional<ContentRange> parse_content_range(std::string_view text) {
  constexpr std::string_view kUnit = "bytes ";
  if (!text.starts_with(kUnit)) return std::nullopt;
  text.remove_prefix(kUnit.size());
  const char* p = text.data();
  const char* const end = p + text.size();
  ContentRange r;
  std::uint64_t last = 0;
  auto number = [&](std::uint64_t& out, char after) {
    auto [next, ec] = std::from_chars(p, end, out);
    if (ec != std::errc() || (after ? next == end || *next != after : next != end)) return false;
    p = after ? next + 1 : next;
    return true;
  };
  if (!number(r.first, '-') || !number(last, '/') || !number(r.total, '\0') || last < r.first) return std::nullopt;
  r.end = last + 1;
  return r;
}

namespace {

// What a GET of an explicit range receives: the answer must be that range. A server that ignores Range,
// or misreads it (s3rver answers bytes=0-0 with the whole object), would otherwise have other bytes
// land where the range belongs, or more of them than the caller made room for.
class RangeCheck final : public http::BodySink {
 public:
  RangeCheck(http::BodySink& inner, const ByteRange& range) : inner_(inner), range_(range) {}

  bool begin(const http::ResponseHead& head) override {
    if (head.status / 100 == 2) {
      const std::string* text = head.find("content-range");
      const std::optional<ContentRange> got = text ? parse_content_range(*text) : std::nullopt;
      const bool whole_from_start = head.status == 200 && range_.offset == 0;
      const std::uint64_t length = head.content_length.value_or(0);
      if ((!got && !whole_from_start) || (got && got->first != range_.offset) || length > range_.length)
        // Not a NetworkError: asking again brings the same answer.
        throw Error("the server answered the request for " + range_header(range_) + " with " +
                           (text ? "Content-Range '" + *text + "'" : "no Content-Range") + " and " +
                           std::to_string(length) + " bytes: not the range asked for");
    }
    return inner_.begin(head);
  }
  void expect(std::optional<std::uint64_t> length) override { inner_.expect(length); }
  std::span<std::byte> buffer() override { return inner_.buffer(); }
  io::Task<void> commit(std::size_t n) override { return inner_.commit(n); }
  io::Task<void> finish() override { return inner_.finish(); }

 private:
  http::BodySink& inner_;
  ByteRange range_;
};

}  // namespace

std::string range_header(const ByteRange& range) {
  return "bytes=" + std::to_string(range.offset) + "-" + std::to_string(range.offset + range.length - 1);
}

io::Task<HeadResult> get_object(LoopContext& context, std::string bucket, std::string key, GetRequest get,
                                http::BodySink& sink) {
  S3Request request{.method = "GET", .bucket = bucket, .key = key, .retry = get.retry};
  if (get.part_number) request.query.emplace_back("partNumber", std::to_string(get.part_number));
  if (get.range) {
    if (get.range->length == 0) throw ConfigError("a byte range must not be empty");
    request.headers.push_back({"Range", range_header(*get.range)});
  }
  if (!get.if_match.empty()) request.headers.push_back({"If-Match", get.if_match});
  // S3 answers a range with no checksum: asking there would only add, on SSE-KMS objects, the kms:Decrypt
  // that checksum mode needs.
  if (context.endpoint().checksum_mode != ChecksumMode::Off && !get.range)
    request.headers.push_back({kChecksumModeHeader, "ENABLED"});
  S3Response r = co_await execute(context, request, &sink);
  co_return head_result_from(r.head, kMetaPrefix);
}

io::Task<HeadResult> get_range(LoopContext& context, std::string bucket, std::string key, ByteRange range,
                               http::BodySink& sink) {
  RangeCheck checked(sink, range);
  io::Task<HeadResult> request =
      context.service().get_object(context, std::move(bucket), std::move(key), {.range = range}, checked);
  co_return co_await std::move(request);
}

void add_object_headers(const PutOptions& options, std::vector<http::Header>& headers) {
  if (!options.content_type.empty()) headers.push_back({"Content-Type", options.content_type});
  for (const auto& [name, value] : options.metadata) headers.push_back({std::string(kMetaPrefix) + name, value});
  if (!options.storage_class.empty()) headers.push_back({"x-amz-storage-class", options.storage_class});
  if (!options.cache_control.empty()) headers.push_back({"Cache-Control", options.cache_control});
  if (!options.content_encoding.empty()) headers.push_back({"Content-Encoding", options.content_encoding});
}

io::Task<std::string> put_object(LoopContext& context, std::string bucket, std::string key,
                                 std::span<const std::byte> body, PutOptions options) {
  http::MemorySource source(body);
  S3Request request{.method = "PUT", .bucket = bucket, .key = key, .body = &source};
  add_object_headers(options, request.headers);
  add_body_checksum(options.checksum, body, request.headers);
  S3Response r = co_await execute(context, request);
  const std::string* etag = r.head.find("etag");
  co_return etag ? *etag : std::string();
}

io::Task<void> delete_object(LoopContext& context, std::string bucket, std::string key) {
  const S3Request request{.method = "DELETE", .bucket = bucket, .key = key};
  co_await execute(context, request);
}

io::Task<DeleteObjectsResult> delete_objects(LoopContext& context, std::string bucket,
                                             std::vector<std::string> keys) {
  // A key XML cannot carry would fail the whole batch: it goes alone, in its URL, as DeleteObject.
  const auto unsendable = std::stable_partition(keys.begin(), keys.end(), xml_can_carry);
  DeleteObjectsResult result;
  for (auto key = unsendable; key != keys.end(); ++key) {
    try {
      io::Task<void> one = delete_object(context, bucket, *key);
      co_await std::move(one);
      result.deleted.push_back(*key);
    } catch (const S3Error& e) {
      result.errors.push_back({*key, e.code(), e.message()});
    }
  }
  keys.erase(unsendable, keys.end());
  if (keys.empty()) co_return result;
  const std::string body = build_delete_objects(keys, /*quiet=*/false);
  http::MemorySource source(http::as_bytes(body));
  S3Request request{.method = "POST", .bucket = bucket, .body = &source, .payload_hash = payload_sha256(body)};
  request.query.emplace_back("delete", "");
  // S3 refuses DeleteObjects without a body checksum.
  request.headers.push_back({"Content-MD5", content_md5(http::as_bytes(body))});
  request.headers.push_back({"Content-Type", "application/xml"});
  S3Response r = co_await execute(context, request);
  DeleteObjectsResult batch = parse_delete_objects_result(r.body);
  result.deleted.insert(result.deleted.end(), batch.deleted.begin(), batch.deleted.end());
  result.errors.insert(result.errors.end(), batch.errors.begin(), batch.errors.end());
  co_return result;
}

io::Task<ListObjectsPage> list_objects_v2(LoopContext& context, std::string bucket, ListOptions options) {
  S3Request request{.method = "GET", .bucket = bucket};
  request.query = {{"list-type", "2"}, {"encoding-type", "url"}, {"max-keys", std::to_string(options.max_keys)}};
  if (!options.prefix.empty()) request.query.emplace_back("prefix", options.prefix);
  if (!options.delimiter.empty()) request.query.emplace_back("delimiter", options.delimiter);
  if (!options.continuation_token.empty()) request.query.emplace_back("continuation-token", options.continuation_token);
  if (!options.start_after.empty()) request.query.emplace_back("start-after", options.start_after);
  S3Response r = co_await execute(context, request);
  co_return parse_list_objects_v2(r.body);
}

io::Task<MultipartUploadsPage> list_multipart_uploads(LoopContext& context, std::string bucket, std::string prefix,
                                                      std::string key_marker, std::string upload_id_marker) {
  S3Request request{.method = "GET", .bucket = bucket};
  request.query = {{"uploads", ""}, {"encoding-type", "url"}};
  if (!prefix.empty()) request.query.emplace_back("prefix", prefix);
  if (!key_marker.empty()) request.query.emplace_back("key-marker", key_marker);
  if (!upload_id_marker.empty()) request.query.emplace_back("upload-id-marker", upload_id_marker);
  S3Response r = co_await execute(context, request);
  co_return parse_list_multipart_uploads(r.body);
}

io::Task<std::string> create_multipart_upload(LoopContext& context, std::string bucket, std::string key,
                                              PutOptions options) {
  S3Request request{.method = "POST", .bucket = bucket, .key = key};
  request.query.emplace_back("uploads", "");
  add_object_headers(options, request.headers);
  if (options.checksum == Checksum::Crc32c) request.headers.push_back({"x-amz-checksum-algorithm", "CRC32C"});
  // A CreateMultipartUpload sent twice would leave the first upload orphaned.
  request.idempotent = false;
  S3Response r = co_await execute(context, request);
  co_return parse_initiate_multipart(r.body);
}

io::Task<CompletedPart> upload_part(LoopContext& context, std::string bucket, std::string key, std::string upload_id,
                                    int number, std::span<const std::byte> bytes, Checksum checksum) {
  http::MemorySource source(bytes);
  S3Request request{.method = "PUT", .bucket = bucket, .key = key, .body = &source};
  request.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
  CompletedPart part{.part_number = number, .etag = {}, .checksum_crc32c = {}};
  // Computed here, on whichever loop sends the part: the CPU it costs is spread over the loops.
  part.checksum_crc32c = add_body_checksum(checksum, bytes, request.headers);
  S3Response r = co_await execute(context, request);
  const std::string* etag = r.head.find("etag");
  if (!etag || etag->empty())
    throw NetworkError("UploadPart " + std::to_string(number) + " of '" + key + "' was answered without an ETag");
  part.etag = *etag;
  co_return part;
}

io::Task<std::string> complete_multipart_upload(LoopContext& context, std::string bucket, std::string key,
                                                std::string upload_id, std::vector<CompletedPart> parts,
                                                bool with_crc32c) {
  std::sort(parts.begin(), parts.end(),
            [](const CompletedPart& a, const CompletedPart& b) { return a.part_number < b.part_number; });
  const std::string body = build_complete_multipart(parts, with_crc32c);
  http::MemorySource source(http::as_bytes(body));
  // One policy for both kinds of failure: those execute() meets, and an <Error> inside a 200, which S3 says
  // may come and which is worth asking again before the caller gives the whole upload up.
  RetryPolicy retry(context.endpoint());
  S3Request request{.method = "POST", .bucket = bucket, .key = key, .body = &source,
                    .payload_hash = payload_sha256(body), .retry = &retry};
  request.query.emplace_back("uploadId", upload_id);
  request.headers.push_back({"Content-Type", "application/xml"});
  for (;;) {
    try {
      io::Task<S3Response> attempt = execute(context, request);
      const S3Response r = co_await std::move(attempt);
      // An empty ETag (radosgw) is no failure.
      co_return parse_complete_multipart(r.body);
    } catch (const S3Error& e) {
      if (!retry.retry(e, [&] { return describe_request(request); })) throw retry.exhausted(e);
    } catch (const NetworkError& e) {
      throw retry.exhausted(e);
    }
    co_await context.loop().sleep(retry.pause());
  }
}

io::Task<void> abort_multipart_upload(LoopContext& context, std::string bucket, std::string key, std::string upload_id) {
  // A cleanup: it also runs once the client has been cancelled, which is when failed uploads are undone.
  S3Request request{.method = "DELETE", .bucket = bucket, .key = key, .cleanup = true};
  request.query.emplace_back("uploadId", upload_id);
  co_await execute(context, request);
}

}  // namespace raws3::s3
