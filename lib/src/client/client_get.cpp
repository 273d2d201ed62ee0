// Client's downloads: whole objects through the parallel ranged GET, explicit ranges as one request.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <stdexcept>

#include "io/file_descriptor.hpp"
#include "io/temporary_file.hpp"
#include "raws3/client.hpp"
#include "client/client_impl.hpp"
#include "s3/memory_limit.hpp"
#include "s3/operations.hpp"
#include "s3/range_get.hpp"

namespace raws3 {

namespace {

HeadResult range_get(Client::Impl& impl, const char* call, const std::string& bucket, const std::string& key,
                     s3::Destination destination, const GetOptions& options) {
  impl.require_blocking_allowed(call);
  const std::vector<s3::LoopContext*> loops = impl.contexts();
  return s3::range_get(loops, impl.next_slot.fetch_add(1, std::memory_order_relaxed), impl.config.tuning, bucket, key,
                       std::move(destination), options);
}

// All of bytes to fd, which may be a pipe or a terminal.
void write_all(int fd, std::span<const std::byte> bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      detail::throw_file_error("cannot write", path);
    }
    bytes = bytes.subspan(std::size_t(n));
  }
}

// One GET into a string, which refuses a body that memory cannot hold before making room for it.
class InMemorySink final : public http::BodySink {
 public:
  // url: the object, as an error would name it.
  explicit InMemorySink(std::string url) : url_(std::move(url)) {}

  void expect(std::optional<std::uint64_t> length) override {
    if (length) s3::check_fits_in_memory(*length, url_);
    body_.expect(length);
  }
  std::span<std::byte> buffer() override { return body_.buffer(); }
  io::Task<void> commit(std::size_t n) override { return body_.commit(n); }
  std::string take() { return body_.take(); }

 private:
  std::string url_;
  http::StringSink body_{SIZE_MAX};
};

// One GET of a range into the memory allocate returns for the length the answer declares. A retry of the
// same length lands in the same memory.
class AllocatingSink final : public http::BodySink {
 public:
  explicit AllocatingSink(const Allocation& allocate) : allocate_(allocate) {}

  void expect(std::optional<std::uint64_t> length) override {
    if (!length) throw NetworkError("the answer to a ranged GET declared no length");
    if (!memory_ || memory_->size() < *length) {
      const std::span<std::byte> memory = allocate_(*length);
      if (memory.size() < *length) throw std::logic_error("GET: the memory allocated is smaller than the body");
      memory_ = memory;
    }
    sink_.emplace(memory_->first(std::size_t(*length)));
  }
  std::span<std::byte> buffer() override { return sink_->buffer(); }
  io::Task<void> commit(std::size_t n) override { return sink_->commit(n); }
  std::size_t filled() const noexcept { return sink_ ? sink_->filled() : 0; }

 private:
  const Allocation& allocate_;
  std::optional<std::span<std::byte>> memory_;
  std::optional<http::SpanSink> sink_;
};

// allocate must outlive the task.
io::Task<std::uint64_t> get_range_allocated(s3::LoopContext& c, std::string bucket, std::string key,
                                            const Allocation& allocate, ByteRange range) {
  AllocatingSink sink(allocate);
  io::Task<HeadResult> request = s3::get_range(c, bucket, key, range, sink);
  co_await std::move(request);
  co_return sink.filled();
}

// A whole object for a callback or future form: range_get's task form on the loop the call runs on, as
// many calls at once spread over the loops themselves.
io::Task<HeadResult> whole_on_loop(s3::LoopContext& home, const Tuning& tuning, std::string bucket, std::string key,
                                   s3::Destination destination, GetOptions options) {
  io::Task<HeadResult> get = s3::range_get_task(home, {&home}, 0, tuning, std::move(bucket), std::move(key),
                                                std::move(destination), std::move(options));
  co_return co_await std::move(get);
}

io::Task<std::string> whole_to_string(s3::LoopContext& home, const Tuning& tuning, std::string bucket, std::string key) {
  std::string body;
  io::Task<HeadResult> get = whole_on_loop(home, tuning, std::move(bucket), std::move(key),
                                           s3::ToAllocated{[&body](std::uint64_t size) {
                                             body.resize(std::size_t(size));
                                             return std::as_writable_bytes(std::span(body));
                                           }},
                                           {});
  co_await std::move(get);
  co_return body;
}

io::Task<std::uint64_t> whole_allocated(s3::LoopContext& home, const Tuning& tuning, std::string bucket, std::string key,
                                        Allocation allocate) {
  io::Task<HeadResult> get =
      whole_on_loop(home, tuning, std::move(bucket), std::move(key), s3::ToAllocated{std::move(allocate)}, {});
  co_return (co_await std::move(get)).size;
}

// The object to a regular file through a temporary beside it, renamed into place once complete.
io::Task<HeadResult> download_to_file(s3::LoopContext& home, std::vector<s3::LoopContext*> loops, unsigned first,
                                      Tuning tuning, std::string bucket, std::string key, std::string path,
                                      GetOptions options) {
  io::TemporaryFile file(path);
  io::Task<HeadResult> get = s3::range_get_task(home, std::move(loops), first, tuning, std::move(bucket),
                                                std::move(key), s3::ToFile{file.fd(), path}, std::move(options));
  HeadResult result = co_await std::move(get);
  file.commit();
  co_return result;
}

// Whether path is something other than a regular file (a device, a FIFO, a terminal), which takes the
// bytes in order, as they come. A directory is an error.
bool is_special_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return false;
  if (S_ISDIR(st.st_mode)) throw FileError("'" + path + "' is a directory");
  return true;
}

}  // namespace

std::string Client::get_object(const std::string& bucket, const std::string& key, std::optional<ByteRange> range) {
  if (range) {
    impl_->require_blocking_allowed("get_object");
    return get_object_async(bucket, key, range).get();
  }
  std::string body;
  range_get(*impl_, "get_object", bucket, key, s3::ToAllocated{[&body](std::uint64_t size) {
              body.resize(std::size_t(size));
              return std::as_writable_bytes(std::span(body));
            }},
            {});
  return body;
}

std::future<std::string> Client::get_object_async(std::string bucket, std::string key,
                                                  std::optional<ByteRange> range) {
  if (!range)
    return impl_->submit<std::string>(
        [this, bucket, key](s3::LoopContext& c) { return whole_to_string(c, impl_->config.tuning, bucket, key); });
  return impl_->submit<std::string>([=](s3::LoopContext& c) -> io::Task<std::string> {
    return [](s3::LoopContext& c, std::string bucket, std::string key, ByteRange range) -> io::Task<std::string> {
      InMemorySink sink(std::string(c.service().scheme()) + "://" + bucket + "/" + key);
      co_await s3::get_range(c, bucket, key, range, sink);
      co_return sink.take();
    }(c, bucket, key, *range);
  });
}

std::uint64_t Client::get_into(const std::string& bucket, const std::string& key, std::span<std::byte> dest,
                               std::optional<ByteRange> range) {
  if (!range) return range_get(*impl_, "get_into", bucket, key, s3::ToMemory{dest}, {}).size;
  return impl_->run<std::uint64_t>("get_into", [=](s3::LoopContext& c) {
        return [](s3::LoopContext& c, std::string bucket, std::string key, std::span<std::byte> dest,
                  ByteRange range) -> io::Task<std::uint64_t> {
          http::SpanSink sink(dest);
          co_await s3::get_range(c, bucket, key, range, sink);
          co_return sink.filled();
        }(c, bucket, key, dest, *range);
      });
}

std::uint64_t Client::get_allocated(const std::string& bucket, const std::string& key, const Allocation& allocate,
                                    std::optional<ByteRange> range) {
  if (!range) return range_get(*impl_, "get_allocated", bucket, key, s3::ToAllocated{allocate}, {}).size;
  return impl_->run<std::uint64_t>("get_allocated", [&allocate, bucket, key, range](s3::LoopContext& c) {
    return get_range_allocated(c, bucket, key, allocate, *range);
  });
}

void Client::get_allocated(std::string bucket, std::string key, Allocation allocate, std::optional<ByteRange> range,
                           Completion<std::uint64_t> done) {
  impl_->start<std::uint64_t>(
      [this, bucket, key, range, allocate = std::move(allocate)](s3::LoopContext& c) {
        return range ? get_range_allocated(c, bucket, key, allocate, *range)
                     : whole_allocated(c, impl_->config.tuning, bucket, key, allocate);
      },
      std::move(done));
}

HeadResult Client::get_to(const std::string& bucket, const std::string& key, const BodySink& sink,
                          const GetOptions& options) {
  return range_get(*impl_, "get_to", bucket, key, s3::InOrder{sink}, options);
}

HeadResult Client::get_discard(const std::string& bucket, const std::string& key, const GetOptions& options) {
  return range_get(*impl_, "get_discard", bucket, key, s3::Discard{}, options);
}

void Client::get_discard(std::string bucket, std::string key, GetOptions options, Completion<HeadResult> done) {
  impl_->start<HeadResult>(
      [this, bucket, key, options](s3::LoopContext& c) {
        return whole_on_loop(c, impl_->config.tuning, bucket, key, s3::Discard{}, options);
      },
      std::move(done));
}

HeadResult Client::get_to_file(const std::string& bucket, const std::string& key, const std::string& path,
                               const GetOptions& options) {
  if (is_special_file(path)) {
    io::FileDescriptor out(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (out.get() < 0) detail::throw_file_error("cannot open", path);
    const int fd = out.get();
    return range_get(*impl_, "get_to_file", bucket, key,
                     s3::InOrder{[fd, &path](std::span<const std::byte> bytes) { write_all(fd, bytes, path); }},
                     options);
  }
  std::vector<s3::LoopContext*> loops = impl_->contexts();
  const unsigned first = impl_->next_slot.fetch_add(1, std::memory_order_relaxed);
  return impl_->run<HeadResult>("get_to_file", [&](s3::LoopContext& home) {
    return download_to_file(home, loops, first, impl_->config.tuning, bucket, key, path, options);
  });
}

void Client::get_to_file(std::string bucket, std::string key, std::string path, GetOptions options,
                         Completion<HeadResult> done) {
  std::vector<s3::LoopContext*> loops = impl_->contexts();
  const unsigned first = impl_->next_slot.fetch_add(1, std::memory_order_relaxed);
  impl_->start<HeadResult>(
      [this, loops = std::move(loops), first, bucket = std::move(bucket), key = std::move(key), path = std::move(path),
       options = std::move(options)](s3::LoopContext& home) {
        if (is_special_file(path))
          throw FileError("'" + path + "' is not a regular file: the callback form of get_to_file writes regular files");
        return download_to_file(home, loops, first, impl_->config.tuning, bucket, key, path, options);
      },
      std::move(done));
}

}  // namespace raws3
