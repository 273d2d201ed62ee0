#include "raws3/client.hpp"

#include "client/client_impl.hpp"

#include <mutex>
#include <thread>

#include "auth/credential_chain.hpp"
#include "auth/environment.hpp"
#include "auth/sigv4.hpp"
#include "blob/blob_service.hpp"
#include "io/loop.hpp"
#include "s3/addressing.hpp"
#include "s3/executor.hpp"
#include "s3/operations.hpp"
#include "s3/s3_service.hpp"
#include "s3/server_copy.hpp"

namespace raws3 {

Client::Impl::Impl(Config c) : config(std::move(c)) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  // Each loop holds a ring, buffers and descriptors: far past the cores they only cost memory, and a
  // mistyped count (100000) would exhaust the process before doing anything.
  if (config.tuning.threads > kMaxLoopsPerCore * cores) {
    throw ConfigError("Tuning::threads (RAWS3_THREADS, --threads) is " + std::to_string(config.tuning.threads) +
                      ": at most " + std::to_string(kMaxLoopsPerCore * cores) + " (" +
                      std::to_string(kMaxLoopsPerCore) + " per core, " + std::to_string(cores) + " cores)");
  }
  // S3's settings and credentials (the AWS variables, the shared files); none for Azure Blob.
  auth::ResolvedSettings settings;
  if (config.service == Service::AzureBlob) {
    blob::Account given{config.azure.name, config.azure.key, config.azure.sas, config.endpoint_url};
    blob::Account account = blob::resolve_account(std::move(given), config.azure.connection_string, auth::process_env);
    endpoint.url = http::parse_url(account.endpoint);
    endpoint_url = account.endpoint;
    endpoint.addressing = Addressing::Path;
    endpoint.service = blob::make_blob_service(std::move(account));
  } else {
    auth::ResolveRequest request{config.credentials, config.profile, config.region, config.endpoint_url,
                                 config.anonymous};
    settings = auth::resolve_settings(request);
    const auth::ResolvedLocation& location = settings.location;
    endpoint.region = location.region;
    endpoint.url = location.endpoint_url.empty() ? s3::aws_endpoint(location.region)
                                                 : http::parse_url(location.endpoint_url);
    endpoint_url = location.endpoint_url.empty()
                       ? endpoint.url.scheme + "://" + endpoint.url.authority()
                       : location.endpoint_url;
    endpoint.addressing = config.addressing;
    endpoint.service = s3::make_s3_service();
  }
  const Tuning& t = config.tuning;
  endpoint.pool = {t.max_conns, io::Millis(t.connect_timeout_ms), io::Millis(t.timeout_ms),
                   std::size_t(t.send_zc_min)};
  endpoint.max_attempts = t.max_attempts;
  endpoint.checksum_mode = t.checksum_mode;
  endpoint.dns_ttl = io::Millis(t.dns_ttl_ms);
  endpoint.log = s3::Logger(config.log_level, config.log_handler);
  std::string ca = config.ca_bundle;
  if (ca.empty())
    if (const char* env = std::getenv("AWS_CA_BUNDLE")) ca = env;
  const io::TlsOptions tls{config.verify_tls, ca};
  if (endpoint.url.tls()) endpoint.tls = std::make_unique<io::TlsContext>(tls);
  if (settings.credentials) {
    endpoint.credentials = std::make_unique<s3::CredentialCache>(std::move(settings.credentials),
                                                                 std::make_unique<s3::CredentialTransport>(engine.backend, tls),
                                                                 s3::CredentialCache::Clock::now, endpoint.log);
    endpoint.credentials->current_blocking();  // the first fetch: a source without credentials fails here
  }
  thread_count = t.threads ? t.threads : cores;
}

Client::Client(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Client::~Client() {
  // Inside a callback, closing here would wait for the very callback it runs in: close on a thread of its
  // own instead, which waits for this callback to return like any other.
  if (impl_->current_slot()) std::thread([impl = std::move(impl_)]() mutable { impl.reset(); }).detach();
}

const std::string& Client::region() const noexcept { return impl_->endpoint.region; }
const std::string& Client::endpoint_url() const noexcept { return impl_->endpoint_url; }
const std::string& Client::io_backend() const noexcept { return impl_->engine.name; }
const std::string& Client::io_fallback_reason() const noexcept { return impl_->engine.fallback_reason; }
const Tuning& Client::tuning() const noexcept { return impl_->config.tuning; }

void Client::cancel() noexcept {
  impl_->endpoint.cancelled.store(true, std::memory_order_release);
  try {
    impl_->cancel_loops();
  } catch (...) {
    // Out of memory for the notices: every loop still sees the flag before its next request.
  }
}

std::vector<BucketInfo> Client::list_buckets() {
  return impl_->run<std::vector<BucketInfo>>("list_buckets", [](s3::LoopContext& c) { return c.service().list_buckets(c); });
}

void Client::create_bucket(const std::string& bucket) {
  impl_->run<void>("create_bucket", [=](s3::LoopContext& c) { return c.service().create_bucket(c, bucket); });
}

void Client::delete_bucket(const std::string& bucket) {
  impl_->run<void>("delete_bucket", [=](s3::LoopContext& c) { return c.service().delete_bucket(c, bucket); });
}

HeadResult Client::head_object(const std::string& bucket, const std::string& key, const HeadOptions& options) {
  impl_->require_blocking_allowed("head_object");
  return head_object_async(bucket, key, options).get();
}

std::future<HeadResult> Client::head_object_async(std::string bucket, std::string key, HeadOptions options) {
  return impl_->submit<HeadResult>([=](s3::LoopContext& c) { return c.service().head_object(c, bucket, key, options); });
}

void Client::head_object(std::string bucket, std::string key, Completion<HeadResult> done) {
  head_object(std::move(bucket), std::move(key), HeadOptions{}, std::move(done));
}

void Client::head_object(std::string bucket, std::string key, HeadOptions options, Completion<HeadResult> done) {
  impl_->start<HeadResult>([=](s3::LoopContext& c) { return c.service().head_object(c, bucket, key, options); },
                           std::move(done));
}

void Client::delete_object(const std::string& bucket, const std::string& key) {
  impl_->require_blocking_allowed("delete_object");
  delete_object_async(bucket, key).get();
}

void Client::delete_object(std::string bucket, std::string key, Completion<> done) {
  impl_->start<void>([=](s3::LoopContext& c) { return c.service().delete_object(c, bucket, key); }, std::move(done));
}

std::future<void> Client::delete_object_async(std::string bucket, std::string key) {
  return impl_->submit<void>([=](s3::LoopContext& c) { return c.service().delete_object(c, bucket, key); });
}

DeleteObjectsResult Client::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  impl_->require_blocking_allowed("delete_objects");
  std::vector<std::future<DeleteObjectsResult>> batches;
  for (std::size_t at = 0; at < keys.size(); at += s3::kMaxDeleteBatch) {
    std::vector<std::string> batch(keys.begin() + std::ptrdiff_t(at),
                                   keys.begin() + std::ptrdiff_t(std::min(keys.size(), at + s3::kMaxDeleteBatch)));
    batches.push_back(impl_->submit<DeleteObjectsResult>(
        [=](s3::LoopContext& c) { return c.service().delete_objects(c, bucket, batch); }));
  }
  // Every batch ends before this returns, failed or not: the first failure is thrown after the last one.
  DeleteObjectsResult all;
  std::exception_ptr failure;
  for (auto& f : batches) {
    try {
      DeleteObjectsResult r = f.get();
      all.deleted.insert(all.deleted.end(), r.deleted.begin(), r.deleted.end());
      all.errors.insert(all.errors.end(), r.errors.begin(), r.errors.end());
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  return all;
}

ListObjectsPage Client::list_objects_v2(const std::string& bucket, const ListOptions& options) {
  impl_->require_blocking_allowed("list_objects_v2");
  return list_objects_v2_async(bucket, options).get();
}

std::future<ListObjectsPage> Client::list_objects_v2_async(std::string bucket, ListOptions options) {
  return impl_->submit<ListObjectsPage>([=](s3::LoopContext& c) { return c.service().list_objects(c, bucket, options); });
}

void Client::list_objects_v2(std::string bucket, ListOptions options, Completion<ListObjectsPage> done) {
  impl_->start<ListObjectsPage>([=](s3::LoopContext& c) { return c.service().list_objects(c, bucket, options); },
                                std::move(done));
}

MultipartUploadsPage Client::list_multipart_uploads(const std::string& bucket, const std::string& prefix,
                                                   const std::string& key_marker, const std::string& upload_id_marker) {
  return impl_->run<MultipartUploadsPage>("list_multipart_uploads", [=](s3::LoopContext& c) {
    return c.service().list_uploads(c, bucket, prefix, key_marker, upload_id_marker);
  });
}

void Client::abort_multipart_upload(const std::string& bucket, const std::string& key, const std::string& upload_id) {
  impl_->run<void>("abort_multipart_upload",
                   [=](s3::LoopContext& c) { return c.service().abort_upload(c, bucket, key, upload_id); });
}

namespace {

s3::CopySettings copy_settings(const Tuning& tuning, std::string src_bucket, std::string src_key, std::string dst_bucket,
                               std::string dst_key, CopyOptions options) {
  return {std::move(src_bucket), std::move(src_key), std::move(dst_bucket), std::move(dst_key), std::move(options),
          tuning.copy_threshold, tuning.copy_part_size, tuning.put_inflight};
}

}  // namespace

std::string Client::copy_object(const std::string& src_bucket, const std::string& src_key,
                                const std::string& dst_bucket, const std::string& dst_key, const CopyOptions& options) {
  s3::CopySettings settings = copy_settings(impl_->config.tuning, src_bucket, src_key, dst_bucket, dst_key, options);
  return impl_->run<std::string>("copy_object", [=](s3::LoopContext& c) { return c.service().copy_object(c, settings); });
}

void Client::copy_object(std::string src_bucket, std::string src_key, std::string dst_bucket, std::string dst_key,
                         CopyOptions options, Completion<std::string> done) {
  s3::CopySettings settings = copy_settings(impl_->config.tuning, std::move(src_bucket), std::move(src_key),
                                            std::move(dst_bucket), std::move(dst_key), std::move(options));
  impl_->start<std::string>([=](s3::LoopContext& c) { return c.service().copy_object(c, settings); }, std::move(done));
}

std::string Client::presign(const std::string& bucket, const std::string& key, std::chrono::seconds expires,
                            const std::string& method) {
  const s3::Endpoint& ep = impl_->endpoint;
  if (ep.service->scheme() != "s3")
    throw ConfigError("presign makes S3 (SigV4) URLs; an Azure Blob URL carries a SAS token instead");
  const s3::RequestTarget target = s3::make_target(ep.url, ep.addressing, bucket, key);
  auth::SignableRequest request{method, target.path, {}, {{"host", target.host_header}}};
  auth::SigningParams params;
  params.region = ep.region;
  params.payload_hash = std::string(auth::kUnsignedPayload);
  auth::Signer signer;
  if (!ep.credentials) throw ConfigError("presign needs credentials, and this client is anonymous (unsigned requests)");
  impl_->require_blocking_allowed("presign");  // a refresh may be due
  signer.presign(request, *ep.credentials->current_blocking(), params, std::chrono::system_clock::now(), expires);
  return ep.url.scheme + "://" + target.host_header + target.path + "?" + s3::encode_query(request.query);
}

}  // namespace raws3
