// The object services a Client can speak: S3 (s3_service.cpp) and Azure Blob (blob/blob_service.cpp).
//
// A client speaks one, fixed when it is built and owned by its Endpoint. Two layers ask it:
// - the executor, for what differs on the wire: where a request goes, how it is signed, and what a
//   refusal says. Everything else of a request's life (pooled connections, the retry policy, the attempt
//   log, cancellation) is the executor's alone, whichever service answers;
// - the client and its engines (the range GET, the upload ring, server-side copy, the listings), for
//   operations by what they do. The engines stay the same for every service: a Blob upload is the same
//   ring of parts, sent as Put Block and committed by Put Block List where S3 sends UploadPart and
//   CompleteMultipartUpload.
// Every operation is a coroutine on the loop of the context given, with arguments taken by value (a
// lazy coroutine must own what it reads); the service itself is read-only and shared by every loop.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.hpp"
#include "http/response.hpp"
#include "io/task.hpp"
#include "raws3/client.hpp"
#include "raws3/error.hpp"

namespace raws3::s3 {

class LoopContext;
struct Endpoint;
struct S3Request;
struct GetRequest;
struct CopySettings;

// Where a request goes: the host to connect to (and name in SNI), the Host header, and the path.
struct WireTarget {
  std::string connect_host;
  std::string host_header;
  std::string path;  // percent-encoded, as sent (and as signed)
  // Appended to the encoded query as it is: an already-encoded SAS token.
  std::string raw_query{};
};

// How big an upload's parts may be, and how many.
struct PartLimits {
  std::uint64_t max_part_size;
  std::uint64_t max_parts;
};

class ObjectService {
 public:
  virtual ~ObjectService() = default;

  // How URLs and messages name this service's objects: "s3", "az".
  virtual std::string_view scheme() const noexcept = 0;
  virtual PartLimits part_limits() const noexcept = 0;

  // The wire, for the executor.
  virtual WireTarget target(const Endpoint& endpoint, const S3Request& request) const = 0;
  // Adds what authorizes one attempt to its headers (dated now, as the server's clock goes).
  virtual io::Task<void> sign(LoopContext& context, auth::SignableRequest& request, const S3Request& described) const = 0;
  // The error an answer that is not 2xx carries, from its document or, failing one, its headers and status.
  virtual S3Error refusal(const http::ResponseHead& head, std::string_view body) const = 0;

  // Containers of objects: S3's buckets, Blob's containers.
  virtual io::Task<std::vector<BucketInfo>> list_buckets(LoopContext& context) const = 0;
  virtual io::Task<void> create_bucket(LoopContext& context, std::string bucket) const = 0;
  virtual io::Task<void> delete_bucket(LoopContext& context, std::string bucket) const = 0;

  virtual io::Task<HeadResult> head_object(LoopContext& context, std::string bucket, std::string key,
                                           HeadOptions options) const = 0;
  // The body goes to sink; returns what the answer's headers say of the object.
  virtual io::Task<HeadResult> get_object(LoopContext& context, std::string bucket, std::string key, GetRequest get,
                                          http::BodySink& sink) const = 0;
  // One request; returns the ETag.
  virtual io::Task<std::string> put_object(LoopContext& context, std::string bucket, std::string key,
                                           std::span<const std::byte> body, PutOptions options) const = 0;
  virtual io::Task<void> delete_object(LoopContext& context, std::string bucket, std::string key) const = 0;
  // At most kMaxDeleteBatch keys; each key deleted or reported, none thrown for.
  virtual io::Task<DeleteObjectsResult> delete_objects(LoopContext& context, std::string bucket,
                                                       std::vector<std::string> keys) const = 0;
  // One page. The continuation token is the service's own (opaque).
  virtual io::Task<ListObjectsPage> list_objects(LoopContext& context, std::string bucket,
                                                 ListOptions options) const = 0;
  // Returns the new object's ETag.
  virtual io::Task<std::string> copy_object(LoopContext& home, CopySettings settings) const = 0;

  // An upload in parts: begun (returns its id), parts sent on any loop, then completed or aborted. Until
  // completed, nothing is visible at the key; aborted, nothing is left.
  virtual io::Task<std::string> create_upload(LoopContext& context, std::string bucket, std::string key,
                                              PutOptions options) const = 0;
  virtual io::Task<CompletedPart> upload_part(LoopContext& context, std::string bucket, std::string key,
                                              std::string upload_id, int number, std::span<const std::byte> bytes,
                                              Checksum checksum) const = 0;
  // Returns the object's ETag.
  virtual io::Task<std::string> complete_upload(LoopContext& context, std::string bucket, std::string key,
                                                std::string upload_id, std::vector<CompletedPart> parts,
                                                PutOptions options) const = 0;
  // A clean-up: it runs after a cancel too.
  virtual io::Task<void> abort_upload(LoopContext& context, std::string bucket, std::string key,
                                      std::string upload_id) const = 0;
  virtual io::Task<MultipartUploadsPage> list_uploads(LoopContext& context, std::string bucket, std::string prefix,
                                                      std::string key_marker, std::string upload_id_marker) const = 0;
};

}  // namespace raws3::s3
