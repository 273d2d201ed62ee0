// Client's uploads: PutObject from memory, and streaming uploads from files, pipes and the caller.
#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>

#include "io/file_descriptor.hpp"
#include "raws3/client.hpp"
#include "client/client_impl.hpp"
#include "s3/multipart_put.hpp"
#include "s3/operations.hpp"

namespace raws3 {

namespace {

s3::UploadSettings settings_for(const Client::Impl& impl, const std::string& bucket, const std::string& key,
                                const PutOptions& options, std::optional<std::uint64_t> size) {
  const Tuning& tuning = impl.config.tuning;
  const s3::PartLimits limits = impl.endpoint.service->part_limits();
  return s3::UploadSettings{
      .bucket = bucket,
      .key = key,
      .options = options,
      .plan = options.part_size
                  ? s3::plan_parts(options.part_size, size, "PutOptions::part_size", limits)
                  : s3::plan_parts(tuning.put_part_size, size, "Tuning::put_part_size (RAWS3_PUT_PART_SIZE)", limits),
      .inflight = tuning.put_inflight,
      .size = size,
  };
}

PutResult upload_descriptor(Client::Impl& impl, const std::string& bucket, const std::string& key, int fd,
                            std::optional<std::uint64_t> size, const std::string& name, const PutOptions& options) {
  std::vector<s3::LoopContext*> loops = impl.contexts();
  s3::UploadSettings settings = settings_for(impl, bucket, key, options, size);
  return impl.run<PutResult>("upload_file",
                             [=](s3::LoopContext& home) { return s3::upload_fd(home, loops, settings, fd, size, name); });
}

// A file by name, opened on the loop: a regular file is read at offsets up to the size it had when
// opened; a pipe, socket or terminal has no size and streams to its end.
io::Task<PutResult> upload_path(const Client::Impl& impl, s3::LoopContext& home, std::vector<s3::LoopContext*> loops,
                                std::string bucket, std::string key, std::string path, PutOptions options) {
  io::FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) detail::throw_file_error("cannot open", path);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) detail::throw_file_error("cannot stat", path);
  if (S_ISDIR(st.st_mode)) throw FileError("'" + path + "' is a directory");
  std::optional<std::uint64_t> size;
  if (S_ISREG(st.st_mode)) size = std::uint64_t(st.st_size);
  s3::UploadSettings settings = settings_for(impl, bucket, key, options, size);
  io::Task<PutResult> upload = s3::upload_fd(home, std::move(loops), std::move(settings), file.get(), size, path);
  co_return co_await std::move(upload);
}

// The home-loop halves of the writer's calls.
io::Task<s3::Upload*> create_upload(s3::LoopContext& home, std::vector<s3::LoopContext*> loops,
                                    s3::UploadSettings settings) {
  co_return new s3::Upload(home, std::move(loops), std::move(settings));
}

io::Task<void> destroy_upload(s3::Upload* upload) {
  co_await upload->abort();
  delete upload;
}

io::Task<void> adopt(s3::Upload* upload, std::size_t pending, SharedBytes buffer) {
  if (pending > 0) co_await upload->advance(pending);
  co_await upload->write_owned(std::move(buffer));
}

io::Task<void> lend(s3::Upload* upload, std::size_t pending, std::span<const std::byte> bytes) {
  if (pending > 0) co_await upload->advance(pending);
  co_await upload->write_borrowed(bytes);
}

// An ObjectWriter's S3 side. The caller's thread copies into the chunk the home loop lent it and crosses
// to the loop only when that chunk is full: one round trip per part, not per write. A client that closes
// first aborts the upload (abandon()); the writer then only reports that.
class S3Writer final : public ObjectWriter::Backend, Client::Impl::Writer {
 public:
  S3Writer(Client::Impl& impl, s3::UploadSettings settings)
      : impl_(&impl), home_(impl.next_slot.fetch_add(1, std::memory_order_relaxed)) {
    std::vector<s3::LoopContext*> loops = impl.contexts();
    upload_ = call<s3::Upload*>("writer", [loops, settings](s3::LoopContext& home) { return create_upload(home, loops, settings); });
    impl.add_writer(this);
  }
  ~S3Writer() override {
    std::lock_guard lock(mutex_);
    if (!impl_) return;
    impl_->remove_writer(this);
    end_upload();
  }

  void write_chunk(std::span<const std::byte> bytes) override {
    std::lock_guard lock(mutex_);
    while (!bytes.empty()) {
      if (room_.empty()) {
        room_ = call<std::span<std::byte>>("ObjectWriter::write_chunk", [upload = upload_, n = pending_](s3::LoopContext&) {
          return upload->advance(n);
        });
        pending_ = 0;
      }
      const std::size_t n = std::min(room_.size(), bytes.size());
      std::memcpy(room_.data(), bytes.data(), n);
      room_ = room_.subspan(n);
      bytes = bytes.subspan(n);
      pending_ += n;
    }
  }

  void write_owned(std::vector<std::byte> buffer) override {
    std::lock_guard lock(mutex_);
    SharedBytes owned(std::make_shared<const std::vector<std::byte>>(std::move(buffer)));
    call<void>("ObjectWriter::write_owned",
               [upload = upload_, n = pending_, owned](s3::LoopContext&) { return adopt(upload, n, owned); });
    room_ = {};
    pending_ = 0;
  }

  void write_borrowed(std::span<const std::byte> bytes) override {
    std::lock_guard lock(mutex_);
    call<void>("ObjectWriter::write_borrowed",
               [upload = upload_, n = pending_, bytes](s3::LoopContext&) { return lend(upload, n, bytes); });
    room_ = {};
    pending_ = 0;
  }

  PutResult finish() override {
    std::lock_guard lock(mutex_);
    return call<PutResult>("ObjectWriter::finish",
                           [upload = upload_, n = pending_](s3::LoopContext&) { return upload->finish(n); });
  }

  void abort() noexcept override {
    std::lock_guard lock(mutex_);
    if (!impl_) return;
    try {
      call<void>("ObjectWriter::abort", [upload = upload_](s3::LoopContext&) { return upload->abort(); });
    } catch (...) {
      // Called on a loop thread: the destructor, on the caller's next thread, still ends the upload.
    }
  }

  void abandon() noexcept override {
    std::lock_guard lock(mutex_);
    end_upload();
    impl_ = nullptr;
    room_ = {};
  }

 private:
  template <class T, class Make>
  T call(const char* name, Make make) {
    if (!impl_) throw Error("this object writer's client was destroyed, and its upload aborted");
    return impl_->run<T>(name, std::move(make), home_);
  }

  // Aborts what is unfinished and frees the upload on its home loop; never throws. It waits for that,
  // except on a loop thread (a writer dropped inside a callback), where the client's close waits instead.
  void end_upload() noexcept {
    auto destroy = [upload = upload_](s3::LoopContext&) { return destroy_upload(upload); };
    try {
      if (impl_->current_slot())
        impl_->start<void>(destroy, [](std::exception_ptr) {}, home_);
      else
        impl_->submit<void>(destroy, home_).get();
    } catch (...) {
      // destroy_upload does not fail; only posting it could, out of memory.
    }
  }

  std::mutex mutex_;
  Client::Impl* impl_;  // null once the client closed
  unsigned home_;
  s3::Upload* upload_ = nullptr;
  std::span<std::byte> room_;  // the rest of the lent chunk
  std::size_t pending_ = 0;    // written into it, not yet counted by the upload
};

}  // namespace

std::string Client::put_object(const std::string& bucket, const std::string& key, std::span<const std::byte> body,
                               const PutOptions& options) {
  impl_->require_blocking_allowed("put_object");
  return put_object_async(bucket, key, body, options).get();
}

std::future<std::string> Client::put_object_async(std::string bucket, std::string key, std::span<const std::byte> body,
                                                  PutOptions options) {
  return impl_->submit<std::string>(
      [=](s3::LoopContext& c) { return c.service().put_object(c, bucket, key, body, options); });
}

void Client::put_object(std::string bucket, std::string key, std::span<const std::byte> body, PutOptions options,
                        Completion<std::string> done) {
  impl_->start<std::string>([=](s3::LoopContext& c) { return c.service().put_object(c, bucket, key, body, options); },
                            std::move(done));
}

PutResult Client::upload(const std::string& bucket, const std::string& key, std::span<const std::byte> body,
                         const PutOptions& options) {
  std::vector<s3::LoopContext*> loops = impl_->contexts();
  s3::UploadSettings settings = settings_for(*impl_, bucket, key, options, body.size());
  return impl_->run<PutResult>("upload", [=](s3::LoopContext& home) {
    return s3::upload_buffer(home, loops, settings, SharedBytes{body, nullptr});
  });
}

void Client::upload(std::string bucket, std::string key, SharedBytes body, PutOptions options,
                    Completion<PutResult> done) {
  std::vector<s3::LoopContext*> loops = impl_->contexts();
  s3::UploadSettings settings = settings_for(*impl_, bucket, key, options, body.bytes.size());
  impl_->start<PutResult>([=](s3::LoopContext& home) { return s3::upload_buffer(home, loops, settings, body); },
                          std::move(done));
}

std::string Client::put_file(const std::string& bucket, const std::string& key, const std::string& path,
                             const PutOptions& options) {
  return upload_file(bucket, key, path, options).etag;
}

PutResult Client::upload_file(const std::string& bucket, const std::string& key, const std::string& path,
                              const PutOptions& options) {
  std::vector<s3::LoopContext*> loops = impl_->contexts();
  return impl_->run<PutResult>("upload_file", [&](s3::LoopContext& home) {
    return upload_path(*impl_, home, loops, bucket, key, path, options);
  });
}

void Client::upload_file(std::string bucket, std::string key, std::string path, PutOptions options,
                         Completion<PutResult> done) {
  std::vector<s3::LoopContext*> loops = impl_->contexts();
  impl_->start<PutResult>(
      [this, loops = std::move(loops), bucket = std::move(bucket), key = std::move(key), path = std::move(path),
       options = std::move(options)](s3::LoopContext& home) {
        return upload_path(*impl_, home, loops, bucket, key, path, options);
      },
      std::move(done));
}

PutResult Client::upload_stream(const std::string& bucket, const std::string& key, int fd, const PutOptions& options) {
  return upload_descriptor(*impl_, bucket, key, fd, std::nullopt, "fd " + std::to_string(fd), options);
}

ObjectWriter Client::writer(const std::string& bucket, const std::string& key, const PutOptions& options) {
  return ObjectWriter(std::make_unique<S3Writer>(*impl_, settings_for(*impl_, bucket, key, options, std::nullopt)));
}

}  // namespace raws3
