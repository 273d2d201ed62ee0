#include "blob/blob_service.hpp"

#include <algorithm>

#include "auth/hash.hpp"
#include "auth/timestamp.hpp"
#include "auth/uri_encode.hpp"
#include "blob/blob_xml.hpp"
#include "blob/shared_key.hpp"
#include "io/temporary_file.hpp"
#include "s3/checksums.hpp"
#include "s3/executor.hpp"
#include "s3/operations.hpp"
#include "s3/server_copy.hpp"

namespace raws3::blob {

// Requests are named locals, never temporaries inside a co_await expression (GCC 12 double-frees those).

namespace {

using s3::LoopContext;
using s3::S3Request;
using s3::S3Response;

// The REST version we speak: Azurite 3.35 serves it, and the SharedKey tests were made with it.
constexpr std::string_view kVersion = "2021-12-02";
constexpr std::string_view kMetaPrefix = "x-ms-meta-";
// Put Block takes up to 4000 MiB, and a blob commits up to 50,000 blocks.
constexpr s3::PartLimits kBlockLimits{4000ull << 20, 50'000};
// A pending server-side copy is asked about this often.
constexpr auto kCopyPoll = std::chrono::milliseconds(200);

// Put Blob and Put Block List: the properties and metadata a blob is written with. Put Block has none.
void add_blob_headers(const PutOptions& options, std::vector<http::Header>& headers) {
  if (!options.content_type.empty()) headers.push_back({"x-ms-blob-content-type", options.content_type});
  if (!options.cache_control.empty()) headers.push_back({"x-ms-blob-cache-control", options.cache_control});
  if (!options.content_encoding.empty()) headers.push_back({"x-ms-blob-content-encoding", options.content_encoding});
  if (!options.storage_class.empty()) headers.push_back({"x-ms-access-tier", options.storage_class});
  for (const auto& [name, value] : options.metadata) headers.push_back({std::string(kMetaPrefix) + name, value});
}

// The service checks a body against its Content-MD5 (Put Blob, Put Block): any checksum asked for is that.
void add_body_md5(Checksum checksum, std::span<const std::byte> body, std::vector<http::Header>& headers) {
  if (checksum != Checksum::None) headers.push_back({"Content-MD5", s3::content_md5(body)});
}

// Fixed-length block ids, as the service wants them within one blob: the upload's random id and the part
// number, base64. Another upload of the same blob stages blocks of other ids, so neither commits the
// other's.
std::string block_id(const std::string& upload_id, int number) {
  char digits[8];
  std::snprintf(digits, sizeof digits, "%06d", number);
  const std::string raw = upload_id + "-" + digits;
  return auth::base64(std::span(reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
}

std::string etag_of(const S3Response& r) {
  const std::string* etag = r.head.find("etag");
  return etag ? *etag : std::string();
}

class BlobService final : public s3::ObjectService {
 public:
  explicit BlobService(Account account) : account_(std::move(account)) {}

  std::string_view scheme() const noexcept override { return "az"; }
  s3::PartLimits part_limits() const noexcept override { return kBlockLimits; }

  s3::WireTarget target(const s3::Endpoint& endpoint, const S3Request& request) const override {
    // The account is the endpoint's host (acct.blob.core.windows.net) or its path's first segment (Azurite).
    std::string path = endpoint.url.path;
    while (path.ends_with('/')) path.pop_back();
    path += '/';
    if (!request.bucket.empty()) {
      auth::uri_encode_append(path, request.bucket);
      if (!request.key.empty()) {
        path += '/';
        auth::uri_encode_append(path, request.key, /*keep_slash=*/true);
      }
    }
    return {endpoint.url.host, endpoint.url.authority(), std::move(path), account_.key.empty() ? account_.sas : ""};
  }

  io::Task<void> sign(LoopContext& context, auth::SignableRequest& request, const S3Request&) const override {
    request.headers.push_back({"x-ms-date", auth::format_http_date(s3::server_now(context.endpoint()))});
    request.headers.push_back({"x-ms-version", std::string(kVersion)});
    if (account_.key.empty()) co_return;  // a SAS token in the query, or anonymous
    std::vector<http::Header> headers;
    headers.reserve(request.headers.size());
    for (const auth::Header& h : request.headers) headers.push_back({h.name, h.value});
    const SignedParts parts{request.method, request.path, request.query, headers};
    request.headers.push_back({"Authorization", shared_key_authorization(account_.name, account_.key, parts)});
  }

  S3Error refusal(const http::ResponseHead& head, std::string_view body) const override {
    // A HEAD's answer has no body: its code is in x-ms-error-code, its message in the reason phrase.
    const std::optional<ErrorText> document = parse_error(body);
    const std::string* code_header = head.find("x-ms-error-code");
    const std::string* request_id = head.find("x-ms-request-id");
    std::string code = document && !document->code.empty() ? document->code
                       : code_header                       ? *code_header
                                                           : s3::status_code_name(head.status);
    std::string message = document ? document->message
                          : !head.reason.empty() ? head.reason
                                                 : "HTTP status " + std::to_string(head.status);
    return S3Error(head.status, std::move(code), std::move(message), request_id ? *request_id : std::string(), {});
  }

  io::Task<std::vector<BucketInfo>> list_buckets(LoopContext& context) const override {
    std::vector<BucketInfo> all;
    std::string marker;
    do {
      S3Request request{.method = "GET"};
      request.query = {{"comp", "list"}};
      if (!marker.empty()) request.query.emplace_back("marker", marker);
      S3Response r = co_await s3::execute(context, request);
      ContainersPage page = parse_list_containers(r.body);
      std::move(page.containers.begin(), page.containers.end(), std::back_inserter(all));
      marker = std::move(page.next_marker);
    } while (!marker.empty());
    co_return all;
  }

  io::Task<void> create_bucket(LoopContext& context, std::string bucket) const override {
    S3Request request{.method = "PUT", .bucket = bucket};
    request.query = {{"restype", "container"}};
    co_await s3::execute(context, request);
  }

  io::Task<void> delete_bucket(LoopContext& context, std::string bucket) const override {
    S3Request request{.method = "DELETE", .bucket = bucket};
    request.query = {{"restype", "container"}};
    co_await s3::execute(context, request);
  }

  io::Task<HeadResult> head_object(LoopContext& context, std::string bucket, std::string key,
                                   HeadOptions options) const override {
    if (options.part_number) throw ConfigError("a blob has no parts to ask for by number");
    const S3Request request{.method = "HEAD", .bucket = bucket, .key = key};
    S3Response r = co_await s3::execute(context, request);
    co_return s3::head_result_from(r.head, kMetaPrefix);
  }

  io::Task<HeadResult> get_object(LoopContext& context, std::string bucket, std::string key, s3::GetRequest get,
                                  http::BodySink& sink) const override {
    if (get.part_number) throw ConfigError("a blob has no parts to ask for by number");
    S3Request request{.method = "GET", .bucket = bucket, .key = key, .retry = get.retry};
    if (get.range) {
      if (get.range->length == 0) throw ConfigError("a byte range must not be empty");
      request.headers.push_back({"x-ms-range", s3::range_header(*get.range)});
    }
    if (!get.if_match.empty()) request.headers.push_back({"If-Match", get.if_match});
    S3Response r = co_await s3::execute(context, request, &sink);
    co_return s3::head_result_from(r.head, kMetaPrefix);
  }

  io::Task<std::string> put_object(LoopContext& context, std::string bucket, std::string key,
                                   std::span<const std::byte> body, PutOptions options) const override {
    http::MemorySource source(body);
    S3Request request{.method = "PUT", .bucket = bucket, .key = key, .body = &source};
    request.headers.push_back({"x-ms-blob-type", "BlockBlob"});
    add_blob_headers(options, request.headers);
    add_body_md5(options.checksum, body, request.headers);
    S3Response r = co_await s3::execute(context, request);
    co_return etag_of(r);
  }

  io::Task<void> delete_object(LoopContext& context, std::string bucket, std::string key) const override {
    S3Request request{.method = "DELETE", .bucket = bucket, .key = key};
    // A blob with snapshots is otherwise refused.
    request.headers.push_back({"x-ms-delete-snapshots", "include"});
    co_await s3::execute(context, request);
  }

  io::Task<DeleteObjectsResult> delete_objects(LoopContext& context, std::string bucket,
                                               std::vector<std::string> keys) const override {
    DeleteObjectsResult result;
    for (std::string& key : keys) {
      try {
        io::Task<void> one = delete_object(context, bucket, key);
        co_await std::move(one);
        result.deleted.push_back(std::move(key));
      } catch (const S3Error& e) {
        result.errors.push_back({std::move(key), e.code(), e.message()});
      }
    }
    co_return result;
  }

  io::Task<ListObjectsPage> list_objects(LoopContext& context, std::string bucket, ListOptions options) const override {
    if (!options.start_after.empty())
      throw ConfigError("Azure Blob lists from its own markers, not from a key (start_after)");
    S3Request request{.method = "GET", .bucket = bucket};
    request.query = {{"restype", "container"}, {"comp", "list"}, {"maxresults", std::to_string(options.max_keys)}};
    if (!options.prefix.empty()) request.query.emplace_back("prefix", options.prefix);
    if (!options.delimiter.empty()) request.query.emplace_back("delimiter", options.delimiter);
    if (!options.continuation_token.empty()) request.query.emplace_back("marker", options.continuation_token);
    S3Response r = co_await s3::execute(context, request);
    co_return parse_list_blobs(r.body);
  }

  // Copy Blob, then its status asked for until the copy is no longer pending. Within one account the
  // source URL needs no authorization of its own beyond a SAS token the client itself uses.
  io::Task<std::string> copy_object(LoopContext& home, s3::CopySettings settings) const override {
    const s3::Endpoint& endpoint = home.endpoint();
    const S3Request source{.method = "GET", .bucket = settings.src_bucket, .key = settings.src_key};
    const s3::WireTarget from = target(endpoint, source);
    std::string source_url = endpoint.url.scheme + "://" + from.host_header + from.path;
    if (!from.raw_query.empty()) source_url += "?" + from.raw_query;
    S3Request request{.method = "PUT", .bucket = settings.dst_bucket, .key = settings.dst_key};
    request.headers.push_back({"x-ms-copy-source", source_url});
    // Metadata given replaces the source's; properties (the content type) always come with the copy.
    if (settings.options.replace_metadata)
      for (const auto& [name, value] : settings.options.attributes.metadata)
        request.headers.push_back({std::string(kMetaPrefix) + name, value});
    if (!settings.options.attributes.storage_class.empty())
      request.headers.push_back({"x-ms-access-tier", settings.options.attributes.storage_class});
    S3Response r = co_await s3::execute(home, request);
    std::string etag = etag_of(r);
    const std::string* status = r.head.find("x-ms-copy-status");
    while (status && *status == "pending") {
      co_await home.loop().sleep(kCopyPoll);
      s3::check_cancelled(home);
      const S3Request poll{.method = "HEAD", .bucket = settings.dst_bucket, .key = settings.dst_key};
      r = co_await s3::execute(home, poll);
      etag = etag_of(r);
      status = r.head.find("x-ms-copy-status");
    }
    if (status && *status != "success") {
      const std::string* why = r.head.find("x-ms-copy-status-description");
      throw Error("the copy of az://" + settings.src_bucket + "/" + settings.src_key + " to az://" + settings.dst_bucket +
                  "/" + settings.dst_key + " ended " + *status + (why ? ": " + *why : std::string()));
    }
    co_return etag;
  }

  // Blocks are staged under ids only this upload uses; nothing is asked of the service until they are.
  io::Task<std::string> create_upload(LoopContext&, std::string, std::string, PutOptions) const override {
    co_return io::random_suffix();
  }

  io::Task<CompletedPart> upload_part(LoopContext& context, std::string bucket, std::string key, std::string upload_id,
                                      int number, std::span<const std::byte> bytes, Checksum checksum) const override {
    http::MemorySource source(bytes);
    std::string id = block_id(upload_id, number);
    S3Request request{.method = "PUT", .bucket = bucket, .key = key, .body = &source};
    request.query = {{"comp", "block"}, {"blockid", id}};
    add_body_md5(checksum, bytes, request.headers);
    co_await s3::execute(context, request);
    co_return CompletedPart{.part_number = number, .etag = std::move(id), .checksum_crc32c = {}};
  }

  io::Task<std::string> complete_upload(LoopContext& context, std::string bucket, std::string key, std::string,
                                        std::vector<CompletedPart> parts, PutOptions options) const override {
    std::sort(parts.begin(), parts.end(),
              [](const CompletedPart& a, const CompletedPart& b) { return a.part_number < b.part_number; });
    std::vector<std::string> ids;
    ids.reserve(parts.size());
    for (CompletedPart& part : parts) ids.push_back(std::move(part.etag));
    const std::string body = build_block_list(ids);
    http::MemorySource source(http::as_bytes(body));
    S3Request request{.method = "PUT", .bucket = bucket, .key = key, .body = &source};
    request.query = {{"comp", "blocklist"}};
    add_blob_headers(options, request.headers);
    request.headers.push_back({"Content-Type", "application/xml"});
    S3Response r = co_await s3::execute(context, request);
    co_return etag_of(r);
  }

  // Staged blocks no list commits are the service's to discard (within a week, or at the blob's next
  // commit): nothing was made visible, and nothing is left to undo.
  io::Task<void> abort_upload(LoopContext&, std::string, std::string, std::string) const override { co_return; }

  // Nor is there anything to list: the service keeps no uploads, only blocks no one sees.
  io::Task<MultipartUploadsPage> list_uploads(LoopContext&, std::string, std::string, std::string,
                                              std::string) const override {
    co_return MultipartUploadsPage{};
  }

 private:
  const Account account_;
};

}  // namespace

std::unique_ptr<const s3::ObjectService> make_blob_service(Account account) {
  return std::make_unique<BlobService>(std::move(account));
}

}  // namespace raws3::blob
