#include "native_client.hpp"

#include <pybind11/stl.h>
#include <unistd.h>

#include <utility>

#include "native_buffer.hpp"
#include "native_writer.hpp"
#include "pending.hpp"
#include "pinned_buffer.hpp"
#include "put_result.hpp"
#include "raws3/error.hpp"

namespace py = pybind11;

namespace raws3::python {

NativeClient::NativeClient(Config config) : config_(std::move(config)), pid_(::getpid()) {
  // Made now, so that a bad endpoint or profile is an error of the constructor, not of the first call.
  py::gil_scoped_release nogil;
  client_ = std::make_shared<Client>(config_);
}

NativeClient::~NativeClient() {
  if (pid_ != ::getpid()) {
    new std::shared_ptr<Client>(std::move(client_));  // NOLINT: another process's threads; see the header
    return;
  }
  py::gil_scoped_release nogil;
  close();
}

std::shared_ptr<Client> NativeClient::get() {
  std::lock_guard lock(mutex_);
  if (closed_) throw Error("this client is closed");
  if (pid_ != ::getpid()) {
    new std::shared_ptr<Client>(std::move(client_));  // NOLINT: see the header
    client_ = std::make_shared<Client>(config_);
    pid_ = ::getpid();
  }
  return client_;
}

void NativeClient::close() {
  std::shared_ptr<Client> last;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    if (pid_ != ::getpid()) return;
    last = std::move(client_);
  }
  if (last) last->cancel();
  // ~Client runs here unless a call on another thread still holds it; that call ends, cancelled, and drops it.
}

void NativeClient::cancel() {
  std::shared_ptr<Client> client = get();
  client->cancel();
}

namespace {

using Range = std::optional<std::pair<std::uint64_t, std::uint64_t>>;  // (offset, length)

std::optional<ByteRange> byte_range(const Range& range) {
  if (!range) return std::nullopt;
  return ByteRange{range->first, range->second};
}

Checksum checksum_from(const std::string& name) {
  if (name == "crc32c") return Checksum::Crc32c;
  if (name == "md5") return Checksum::Md5;
  if (name == "none") return Checksum::None;
  throw ConfigError("checksum must be 'crc32c', 'md5' or 'none', not '" + name + "'");
}

PutOptions put_options(const std::optional<std::string>& content_type,
                       const std::optional<std::map<std::string, std::string>>& metadata, const std::string& checksum) {
  PutOptions options;
  if (content_type) options.content_type = *content_type;
  if (metadata) options.metadata = *metadata;
  options.checksum = checksum_from(checksum);
  return options;
}

py::dict head_dict(const HeadResult& h) {
  py::dict d;
  d["size"] = h.size;
  d["etag"] = h.etag;
  d["last_modified"] = h.last_modified;
  d["content_type"] = h.content_type;
  d["metadata"] = h.metadata;
  return d;
}

Addressing addressing_from(const std::string& name) {
  if (name == "auto") return Addressing::Auto;
  if (name == "path") return Addressing::Path;
  if (name == "virtual") return Addressing::Virtual;
  throw ConfigError("addressing must be 'auto', 'path' or 'virtual', not '" + name + "'");
}

std::unique_ptr<NativeClient> make_client(const std::optional<std::string>& endpoint_url,
                                          const std::optional<std::string>& region,
                                          const std::optional<std::string>& profile, const std::string& addressing,
                                          const std::optional<std::string>& ca_bundle, bool verify_ssl, bool anonymous,
                                          std::optional<unsigned> threads, std::optional<unsigned> max_conns,
                                          std::optional<std::uint64_t> part_size, std::optional<unsigned> inflight,
                                          const std::optional<std::string>& log_level,
                                          const std::optional<std::string>& access_key_id,
                                          const std::optional<std::string>& secret_access_key,
                                          const std::optional<std::string>& session_token,
                                          const std::optional<std::string>& checksum_mode, const std::string& service,
                                          const std::optional<std::string>& azure_account,
                                          const std::optional<std::string>& azure_key,
                                          const std::optional<std::string>& azure_sas_token,
                                          const std::optional<std::string>& azure_connection_string) {
  Config config = Config::from_environment();
  if (service == "azure") {
    config.service = Service::AzureBlob;
    config.azure = AzureAccount{.name = azure_account.value_or(""), .key = azure_key.value_or(""),
                                .sas = azure_sas_token.value_or(""),
                                .connection_string = azure_connection_string.value_or("")};
  }
  if (access_key_id || secret_access_key) {
    if (!access_key_id || !secret_access_key)
      throw ConfigError("aws_access_key_id and aws_secret_access_key go together: one was given without the other");
    config.credentials = Credentials{.access_key_id = *access_key_id, .secret_access_key = *secret_access_key,
                                     .session_token = session_token.value_or(""), .expiration = std::nullopt};
  }
  if (endpoint_url) config.endpoint_url = *endpoint_url;
  if (region) config.region = *region;
  if (profile) config.profile = *profile;
  config.addressing = addressing_from(addressing);
  if (ca_bundle) config.ca_bundle = *ca_bundle;
  config.verify_tls = verify_ssl;
  config.anonymous = anonymous;
  Tuning& tuning = config.tuning;
  if (threads && *threads) tuning.threads = *threads;
  if (max_conns && *max_conns) tuning.max_conns = *max_conns;
  if (part_size && *part_size) {
    if (*part_size < kMinPartSize || *part_size > kMaxPartSize)
      throw ConfigError("part_size " + std::to_string(*part_size) +
                        " is outside what S3 accepts for upload parts, 5 MiB (5242880) to 5 GiB");
    tuning.get_part_size = tuning.put_part_size = *part_size;
  }
  if (inflight && *inflight) tuning.get_inflight = tuning.put_inflight = *inflight;
  if (checksum_mode) tuning.checksum_mode = parse_checksum_mode(*checksum_mode, "checksum_mode");
  if (log_level) {
    const std::optional<LogLevel> level = parse_log_level(*log_level);
    if (!level) throw ConfigError("log_level must be 'off', 'error', 'warn', 'info' or 'debug', not '" + *log_level + "'");
    config.log_level = *level;
  }
  return std::make_unique<NativeClient>(std::move(config));
}

// Runs f(client) with the GIL released.
template <class F>
auto with_client(NativeClient& native, F&& f) {
  py::gil_scoped_release nogil;
  std::shared_ptr<Client> client = native.get();
  return f(*client);
}

py::memoryview get_view(NativeClient& native, const std::string& bucket, const std::string& key, bool writable,
                        const Range& range) {
  auto buffer = std::make_shared<NativeBuffer>(writable);
  const std::uint64_t got = with_client(native, [&](Client& c) {
    return c.get_allocated(bucket, key, [&buffer](std::uint64_t size) { return buffer->allocate(size); }, byte_range(range));
  });
  buffer->set_size(got);
  return view_of(std::move(buffer));
}

std::uint64_t get_into(NativeClient& native, const std::string& bucket, const std::string& key, py::handle dest,
                       const Range& range) {
  PinnedBuffer pinned(dest, PinnedBuffer::Access::Write, "buffer");
  return with_client(native, [&](Client& c) { return c.get_into(bucket, key, pinned.bytes(), byte_range(range)); });
}

py::dict put(NativeClient& native, const std::string& bucket, const std::string& key, py::handle data,
             const std::optional<std::string>& content_type,
             const std::optional<std::map<std::string, std::string>>& metadata, const std::string& checksum) {
  PinnedBuffer pinned(data, PinnedBuffer::Access::Read, "data");
  const PutOptions options = put_options(content_type, metadata, checksum);
  const PutResult result = with_client(native, [&](Client& c) { return c.upload(bucket, key, pinned.bytes(), options); });
  return put_result_dict(result);
}

std::shared_ptr<Pending> get_view_start(NativeClient& native, std::string bucket, std::string key, bool writable,
                                        const Range& range) {
  auto pending = std::make_shared<Pending>();
  auto buffer = std::make_shared<NativeBuffer>(writable);
  with_client(native, [&](Client& c) {
    c.get_allocated(std::move(bucket), std::move(key), [buffer](std::uint64_t size) { return buffer->allocate(size); },
                    byte_range(range), [pending, buffer](std::exception_ptr error, std::uint64_t got) {
                      buffer->set_size(got);
                      pending->complete(error, [buffer] { return py::object(view_of(buffer)); });
                    });
  });
  return pending;
}

// One GET straight into the caller's buffer, which stays pinned until the call ends.
std::shared_ptr<Pending> get_into_start(NativeClient& native, std::string bucket, std::string key, py::handle dest,
                                        const Range& range) {
  auto pending = std::make_shared<Pending>();
  auto pinned = std::make_shared<PinnedBuffer>(dest, PinnedBuffer::Access::Write, "buffer");
  Allocation into = [pinned](std::uint64_t size) -> std::span<std::byte> {
    const std::span<std::byte> room = pinned->bytes();
    if (size > room.size())
      throw Error("the object's " + std::to_string(size) + " bytes do not fit the " + std::to_string(room.size()) +
                  "-byte buffer");
    return room.first(std::size_t(size));
  };
  with_client(native, [&](Client& c) {
    c.get_allocated(std::move(bucket), std::move(key), std::move(into), byte_range(range),
                    [pending, pinned](std::exception_ptr error, std::uint64_t got) mutable {
                      pending->complete(error, [got] { return py::object(py::int_(got)); });
                    });
  });
  return pending;
}

std::shared_ptr<Pending> put_start(NativeClient& native, std::string bucket, std::string key, py::handle data,
                                   const std::optional<std::string>& content_type,
                                   const std::optional<std::map<std::string, std::string>>& metadata,
                                   const std::string& checksum) {
  auto pending = std::make_shared<Pending>();
  auto pinned = std::make_shared<PinnedBuffer>(data, PinnedBuffer::Access::Read, "data");
  PutOptions options = put_options(content_type, metadata, checksum);
  with_client(native, [&](Client& c) {
    c.upload(std::move(bucket), std::move(key), SharedBytes{pinned->bytes(), nullptr}, std::move(options),
             [pending, pinned](std::exception_ptr error, PutResult result) mutable {
               pending->complete(error, [result] { return py::object(put_result_dict(result)); });
             });
  });
  return pending;
}

py::tuple list_page(NativeClient& native, const std::string& bucket, const std::string& prefix,
                    const std::string& delimiter, const std::string& token, const std::string& start_after,
                    unsigned max_keys) {
  const ListOptions options{.prefix = prefix, .delimiter = delimiter, .continuation_token = token,
                            .start_after = start_after, .max_keys = max_keys};
  const ListObjectsPage page = with_client(native, [&](Client& c) { return c.list_objects_v2(bucket, options); });
  py::list objects;
  for (const ObjectInfo& o : page.objects)
    objects.append(py::make_tuple(o.key, o.size, o.etag, o.last_modified, o.storage_class));
  py::object next = page.is_truncated ? py::object(py::str(page.next_continuation_token)) : py::object(py::none());
  return py::make_tuple(objects, py::cast(page.common_prefixes), next);
}

py::list delete_many(NativeClient& native, const std::string& bucket, const std::vector<std::string>& keys) {
  const DeleteObjectsResult result = with_client(native, [&](Client& c) { return c.delete_objects(bucket, keys); });
  py::list errors;
  for (const auto& e : result.errors) errors.append(py::make_tuple(e.key, e.code, e.message));
  return errors;
}

std::unique_ptr<NativeWriter> writer(NativeClient& native, const std::string& bucket, const std::string& key,
                                     const std::optional<std::string>& content_type,
                                     const std::optional<std::map<std::string, std::string>>& metadata,
                                     const std::string& checksum) {
  const PutOptions options = put_options(content_type, metadata, checksum);
  ObjectWriter w = with_client(native, [&](Client& c) { return c.writer(bucket, key, options); });
  return std::make_unique<NativeWriter>(std::move(w), native.config().tuning.put_part_size);
}

}  // namespace

void bind_native_client(py::module_& m) {
  using py::arg;
  py::class_<NativeClient>(m, "NativeClient", "raws3.Client's native half; use raws3.Client.")
      .def(py::init(&make_client), arg("endpoint_url"), arg("region"), arg("profile"), arg("addressing"),
           arg("ca_bundle"), arg("verify_ssl"), arg("anonymous"), arg("threads"), arg("max_conns"), arg("part_size"),
           arg("inflight"), arg("log_level"), arg("aws_access_key_id"), arg("aws_secret_access_key"),
           arg("aws_session_token"), arg("checksum_mode"), arg("service"), arg("azure_account"), arg("azure_key"),
           arg("azure_sas_token"), arg("azure_connection_string"))
      .def_property_readonly("region", [](NativeClient& n) { return with_client(n, [](Client& c) { return c.region(); }); })
      .def_property_readonly("endpoint_url",
                             [](NativeClient& n) { return with_client(n, [](Client& c) { return c.endpoint_url(); }); })
      .def_property_readonly("io_backend",
                             [](NativeClient& n) { return with_client(n, [](Client& c) { return c.io_backend(); }); })
      .def_property_readonly("part_size", [](NativeClient& n) { return n.config().tuning.put_part_size; })
      .def("close", [](NativeClient& n) {
        py::gil_scoped_release nogil;
        n.close();
      })
      .def("cancel", [](NativeClient& n) {
        py::gil_scoped_release nogil;
        n.cancel();
      })
      .def("head", [](NativeClient& n, const std::string& bucket, const std::string& key) {
        return head_dict(with_client(n, [&](Client& c) { return c.head_object(bucket, key); }));
      })
      .def("get_view", &get_view, arg("bucket"), arg("key"), arg("writable"), arg("range"))
      .def("get_into", &get_into, arg("bucket"), arg("key"), arg("buffer"), arg("range"))
      .def("put", &put, arg("bucket"), arg("key"), arg("data"), arg("content_type"), arg("metadata"), arg("checksum"))
      .def("get_view_start", &get_view_start, arg("bucket"), arg("key"), arg("writable"), arg("range"))
      .def("get_into_start", &get_into_start, arg("bucket"), arg("key"), arg("buffer"), arg("range"))
      .def("put_start", &put_start, arg("bucket"), arg("key"), arg("data"), arg("content_type"), arg("metadata"),
           arg("checksum"))
      .def("upload_file",
           [](NativeClient& n, const std::string& bucket, const std::string& key, const std::string& path,
              const std::optional<std::string>& content_type,
              const std::optional<std::map<std::string, std::string>>& metadata, const std::string& checksum) {
             const PutOptions options = put_options(content_type, metadata, checksum);
             return put_result_dict(with_client(n, [&](Client& c) { return c.upload_file(bucket, key, path, options); }));
           })
      .def("download_file",
           [](NativeClient& n, const std::string& bucket, const std::string& key, const std::string& path) {
             return head_dict(with_client(n, [&](Client& c) { return c.get_to_file(bucket, key, path); }));
           })
      .def("delete", [](NativeClient& n, const std::string& bucket,
                        const std::string& key) { with_client(n, [&](Client& c) { c.delete_object(bucket, key); }); })
      .def("delete_many", &delete_many)
      .def("list_page", &list_page, arg("bucket"), arg("prefix"), arg("delimiter"), arg("token"), arg("start_after"),
           arg("max_keys"))
      .def("copy",
           [](NativeClient& n, const std::string& src_bucket, const std::string& src_key, const std::string& dst_bucket,
              const std::string& dst_key) {
             return with_client(n, [&](Client& c) { return c.copy_object(src_bucket, src_key, dst_bucket, dst_key); });
           })
      .def("list_buckets",
           [](NativeClient& n) {
             const std::vector<BucketInfo> buckets = with_client(n, [](Client& c) { return c.list_buckets(); });
             py::list out;
             for (const BucketInfo& b : buckets) out.append(py::make_tuple(b.name, b.creation_date));
             return out;
           })
      .def("create_bucket", [](NativeClient& n,
                               const std::string& bucket) { with_client(n, [&](Client& c) { c.create_bucket(bucket); }); })
      .def("delete_bucket", [](NativeClient& n,
                               const std::string& bucket) { with_client(n, [&](Client& c) { c.delete_bucket(bucket); }); })
      .def("presign",
           [](NativeClient& n, const std::string& bucket, const std::string& key, long long expires,
              const std::string& method) {
             return with_client(n, [&](Client& c) { return c.presign(bucket, key, std::chrono::seconds(expires), method); });
           })
      .def("writer", &writer, arg("bucket"), arg("key"), arg("content_type"), arg("metadata"), arg("checksum"));
}

}  // namespace raws3::python
