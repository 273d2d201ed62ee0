#include "raws3/client.hpp"

#include "s3/client_impl.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "auth/credential_chain.hpp"
#include "auth/sigv4.hpp"
#include "io/loop.hpp"
#include "s3/addressing.hpp"
#include "s3/executor.hpp"
#include "s3/file_body.hpp"
#include "s3/operations.hpp"

namespace raws3 {

namespace {

// Hands a GET body to the caller's function piece by piece, in order.
class CallbackSink final : public http::BodySink {
 public:
  explicit CallbackSink(const raws3::BodySink& sink) : sink_(sink), buffer_(256 * 1024) {}
  std::span<std::byte> buffer() override { return buffer_; }
  io::Task<void> commit(std::size_t n) override {
    sink_(std::span<const std::byte>(buffer_.data(), n));
    co_return;
  }

 private:
  const raws3::BodySink& sink_;
  std::vector<std::byte> buffer_;
};

// A file descriptor closed however the scope ends.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void throw_file_error(const std::string& what, const std::string& path) {
  throw FileError(what + " '" + path + "': " + std::strerror(errno));
}

}  // namespace

Client::Client(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Client::~Client() = default;

const std::string& Client::region() const noexcept { return impl_->endpoint.region; }
const std::string& Client::endpoint_url() const noexcept { return impl_->endpoint_url; }

std::vector<BucketInfo> Client::list_buckets() {
  return impl_->submit<std::vector<BucketInfo>>([](s3::LoopContext& c) { return s3::list_buckets(c); }).get();
}

void Client::create_bucket(const std::string& bucket) {
  impl_->submit<void>([=](s3::LoopContext& c) { return s3::create_bucket(c, bucket); }).get();
}

void Client::delete_bucket(const std::string& bucket) {
  impl_->submit<void>([=](s3::LoopContext& c) { return s3::delete_bucket(c, bucket); }).get();
}

HeadResult Client::head_object(const std::string& bucket, const std::string& key) {
  return head_object_async(bucket, key).get();
}

std::future<HeadResult> Client::head_object_async(std::string bucket, std::string key) {
  return impl_->submit<HeadResult>([=](s3::LoopContext& c) { return s3::head_object(c, bucket, key); });
}

std::string Client::get_object(const std::string& bucket, const std::string& key, std::optional<ByteRange> range) {
  return get_object_async(bucket, key, range).get();
}

std::future<std::string> Client::get_object_async(std::string bucket, std::string key,
                                                  std::optional<ByteRange> range) {
  return impl_->submit<std::string>([=](s3::LoopContext& c) -> io::Task<std::string> {
    return [](s3::LoopContext& c, std::string bucket, std::string key,
              std::optional<ByteRange> range) -> io::Task<std::string> {
      http::StringSink sink(SIZE_MAX);
      co_await s3::get_object(c, bucket, key, range, sink);
      co_return sink.take();
    }(c, bucket, key, range);
  });
}

std::uint64_t Client::get_into(const std::string& bucket, const std::string& key, std::span<std::byte> dest,
                               std::optional<ByteRange> range) {
  return impl_
      ->submit<std::uint64_t>([=](s3::LoopContext& c) {
        return [](s3::LoopContext& c, std::string bucket, std::string key, std::span<std::byte> dest,
                  std::optional<ByteRange> range) -> io::Task<std::uint64_t> {
          http::SpanSink sink(dest);
          co_await s3::get_object(c, bucket, key, range, sink);
          co_return sink.filled();
        }(c, bucket, key, dest, range);
      })
      .get();
}

HeadResult Client::get_to(const std::string& bucket, const std::string& key, const BodySink& sink) {
  return impl_
      ->submit<HeadResult>([=, &sink](s3::LoopContext& c) {
        return [](s3::LoopContext& c, std::string bucket, std::string key, const BodySink& sink) -> io::Task<HeadResult> {
          CallbackSink callback(sink);
          co_return co_await s3::get_object(c, bucket, key, std::nullopt, callback);
        }(c, bucket, key, sink);
      })
      .get();
}

HeadResult Client::get_to_file(const std::string& bucket, const std::string& key, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  // The object lands under a temporary name beside the target and replaces it only when complete.
  std::string temp = (dir / ("." + target.filename().string() + ".raws3-XXXXXX")).string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0) throw_file_error("cannot create a file in", dir.string());
  FileDescriptor file(fd);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  try {
    HeadResult result =
        impl_
            ->submit<HeadResult>([=, fd = file.get()](s3::LoopContext& c) {
              return [](s3::LoopContext& c, std::string bucket, std::string key, int fd,
                        std::string path) -> io::Task<HeadResult> {
                s3::FileSink sink(c.loop(), c.file_buffers(), fd, path);
                co_await sink.open();
                co_return co_await s3::get_object(c, bucket, key, std::nullopt, sink);
              }(c, bucket, key, fd, path);
            })
            .get();
    if (::rename(temp.c_str(), path.c_str()) != 0) throw_file_error("cannot rename the download to", path);
    return result;
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
}

std::string Client::put_object(const std::string& bucket, const std::string& key, std::span<const std::byte> body,
                               const PutOptions& options) {
  return put_object_async(bucket, key, body, options).get();
}

std::future<std::string> Client::put_object_async(std::string bucket, std::string key, std::span<const std::byte> body,
                                                  PutOptions options) {
  return impl_->submit<std::string>([=](s3::LoopContext& c) {
    return [](s3::LoopContext& c, std::string bucket, std::string key, std::span<const std::byte> body,
              PutOptions options) -> io::Task<std::string> {
      http::MemorySource source(body);
      co_return co_await s3::put_object(c, bucket, key, source, options);
    }(c, bucket, key, body, options);
  });
}

std::string Client::put_file(const std::string& bucket, const std::string& key, const std::string& path,
                             const PutOptions& options) {
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) throw_file_error("cannot open", path);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) throw_file_error("cannot stat", path);
  if (!S_ISREG(st.st_mode)) throw FileError("'" + path + "' is not a regular file");
  const std::uint64_t size = std::uint64_t(st.st_size);
  return impl_
      ->submit<std::string>([=, fd = file.get()](s3::LoopContext& c) {
        return [](s3::LoopContext& c, std::string bucket, std::string key, int fd, std::uint64_t size,
                  std::string path, PutOptions options) -> io::Task<std::string> {
          s3::FileSource source(c.loop(), c.file_buffers(), fd, 0, size, path);
          co_return co_await s3::put_object(c, bucket, key, source, options);
        }(c, bucket, key, fd, size, path, options);
      })
      .get();
}

void Client::delete_object(const std::string& bucket, const std::string& key) { delete_object_async(bucket, key).get(); }

std::future<void> Client::delete_object_async(std::string bucket, std::string key) {
  return impl_->submit<void>([=](s3::LoopContext& c) { return s3::delete_object(c, bucket, key); });
}

DeleteObjectsResult Client::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  std::vector<std::future<DeleteObjectsResult>> batches;
  for (std::size_t at = 0; at < keys.size(); at += s3::kMaxDeleteBatch) {
    std::vector<std::string> batch(keys.begin() + std::ptrdiff_t(at),
                                   keys.begin() + std::ptrdiff_t(std::min(keys.size(), at + s3::kMaxDeleteBatch)));
    batches.push_back(impl_->submit<DeleteObjectsResult>(
        [=](s3::LoopContext& c) { return s3::delete_objects(c, bucket, batch); }));
  }
  DeleteObjectsResult all;
  for (auto& f : batches) {
    DeleteObjectsResult r = f.get();
    all.deleted.insert(all.deleted.end(), r.deleted.begin(), r.deleted.end());
    all.errors.insert(all.errors.end(), r.errors.begin(), r.errors.end());
  }
  return all;
}

ListObjectsPage Client::list_objects_v2(const std::string& bucket, const ListOptions& options) {
  return list_objects_v2_async(bucket, options).get();
}

std::future<ListObjectsPage> Client::list_objects_v2_async(std::string bucket, ListOptions options) {
  return impl_->submit<ListObjectsPage>([=](s3::LoopContext& c) { return s3::list_objects_v2(c, bucket, options); });
}

std::string Client::copy_object(const std::string& src_bucket, const std::string& src_key,
                                const std::string& dst_bucket, const std::string& dst_key) {
  return impl_
      ->submit<std::string>(
          [=](s3::LoopContext& c) { return s3::copy_object(c, src_bucket, src_key, dst_bucket, dst_key); })
      .get();
}

std::string Client::presign(const std::string& bucket, const std::string& key, std::chrono::seconds expires,
                            const std::string& method) {
  const s3::Endpoint& ep = impl_->endpoint;
  const s3::RequestTarget target = s3::make_target(ep.url, ep.addressing, bucket, key);
  auth::SignableRequest request{method, target.path, {}, {{"host", target.host_header}}};
  auth::SigningParams params;
  params.region = ep.region;
  params.payload_hash = std::string(auth::kUnsignedPayload);
  auth::Signer signer;
  signer.presign(request, ep.credentials, params, std::chrono::system_clock::now(), expires);
  return ep.url.scheme + "://" + target.host_header + target.path + "?" + s3::encode_query(request.query);
}

}  // namespace raws3
