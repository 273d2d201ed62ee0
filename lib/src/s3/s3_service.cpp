#include "s3/s3_service.hpp"

#include "s3/addressing.hpp"
#include "s3/executor.hpp"
#include "s3/multipart_put.hpp"
#include "s3/operations.hpp"
#include "s3/server_copy.hpp"

namespace raws3::s3 {

namespace {

class S3Service final : public ObjectService {
 public:
  std::string_view scheme() const noexcept override { return "s3"; }
  PartLimits part_limits() const noexcept override { return kS3PartLimits; }

  WireTarget target(const Endpoint& endpoint, const S3Request& request) const override {
    RequestTarget target = make_target(endpoint.url, endpoint.addressing, request.bucket, request.key);
    // A virtual-hosted bucket is a host of its own, in SNI too.
    std::string host = target.host_header == endpoint.url.authority() ? endpoint.url.host
                                                                      : request.bucket + "." + endpoint.url.host;
    return {std::move(host), std::move(target.host_header), std::move(target.path)};
  }

  io::Task<void> sign(LoopContext& context, auth::SignableRequest& request, const S3Request& described) const override {
    CredentialCache::Reader* credentials = context.credentials();
    if (!credentials) co_return;  // anonymous
    const Endpoint& endpoint = context.endpoint();
    auth::SigningParams params;
    params.region = endpoint.region;
    params.payload_hash = !described.payload_hash.empty() ? described.payload_hash
                          : described.body                 ? std::string(auth::kUnsignedPayload)
                                                           : std::string(auth::kEmptyPayloadSha256);
    context.signer().sign(request, co_await credentials->current(), params, server_now(endpoint));
  }

  S3Error refusal(const http::ResponseHead& head, std::string_view body) const override {
    return error_from_response(head, body);
  }

  io::Task<std::vector<BucketInfo>> list_buckets(LoopContext& context) const override {
    return s3::list_buckets(context);
  }
  io::Task<void> create_bucket(LoopContext& context, std::string bucket) const override {
    return s3::create_bucket(context, std::move(bucket));
  }
  io::Task<void> delete_bucket(LoopContext& context, std::string bucket) const override {
    return s3::delete_bucket(context, std::move(bucket));
  }
  io::Task<HeadResult> head_object(LoopContext& context, std::string bucket, std::string key,
                                   HeadOptions options) const override {
    return s3::head_object(context, std::move(bucket), std::move(key), options);
  }
  io::Task<HeadResult> get_object(LoopContext& context, std::string bucket, std::string key, GetRequest get,
                                  http::BodySink& sink) const override {
    return s3::get_object(context, std::move(bucket), std::move(key), std::move(get), sink);
  }
  io::Task<std::string> put_object(LoopContext& context, std::string bucket, std::string key,
                                   std::span<const std::byte> body, PutOptions options) const override {
    return s3::put_object(context, std::move(bucket), std::move(key), body, std::move(options));
  }
  io::Task<void> delete_object(LoopContext& context, std::string bucket, std::string key) const override {
    return s3::delete_object(context, std::move(bucket), std::move(key));
  }
  io::Task<DeleteObjectsResult> delete_objects(LoopContext& context, std::string bucket,
                                               std::vector<std::string> keys) const override {
    return s3::delete_objects(context, std::move(bucket), std::move(keys));
  }
  io::Task<ListObjectsPage> list_objects(LoopContext& context, std::string bucket, ListOptions options) const override {
    return s3::list_objects_v2(context, std::move(bucket), std::move(options));
  }
  io::Task<std::string> copy_object(LoopContext& home, CopySettings settings) const override {
    return s3::copy_object(home, std::move(settings));
  }
  io::Task<std::string> create_upload(LoopContext& context, std::string bucket, std::string key,
                                      PutOptions options) const override {
    return create_multipart_upload(context, std::move(bucket), std::move(key), std::move(options));
  }
  io::Task<CompletedPart> upload_part(LoopContext& context, std::string bucket, std::string key, std::string upload_id,
                                      int number, std::span<const std::byte> bytes, Checksum checksum) const override {
    return s3::upload_part(context, std::move(bucket), std::move(key), std::move(upload_id), number, bytes, checksum);
  }
  io::Task<std::string> complete_upload(LoopContext& context, std::string bucket, std::string key,
                                        std::string upload_id, std::vector<CompletedPart> parts,
                                        PutOptions options) const override {
    return complete_multipart_upload(context, std::move(bucket), std::move(key), std::move(upload_id),
                                     std::move(parts), options.checksum == Checksum::Crc32c);
  }
  io::Task<void> abort_upload(LoopContext& context, std::string bucket, std::string key,
                              std::string upload_id) const override {
    return abort_multipart_upload(context, std::move(bucket), std::move(key), std::move(upload_id));
  }
  io::Task<MultipartUploadsPage> list_uploads(LoopContext& context, std::string bucket, std::string prefix,
                                              std::string key_marker, std::string upload_id_marker) const override {
    return list_multipart_uploads(context, std::move(bucket), std::move(prefix), std::move(key_marker),
                                  std::move(upload_id_marker));
  }
};

}  // namespace

std::unique_ptr<const ObjectService> make_s3_service() { return std::make_unique<S3Service>(); }

}  // namespace raws3::s3
