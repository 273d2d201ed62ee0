#include "store/object_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "io/file_descriptor.hpp"
#include "io/temporary_file.hpp"
#include "raws3/error.hpp"

namespace raws3::store {

namespace {

// Pieces a file is read in when it goes through a writer.
constexpr std::size_t kPiece = 1 << 20;

[[noreturn]] void fail(const std::string& what, const std::string& name, int err = errno) {
  throw FileError(what + " '" + name + "': " + std::strerror(err));
}

// Reads fd to its end, handing each piece to take; returns the byte count.
template <class Take>
std::uint64_t read_all(int fd, const std::string& name, Take take) {
  std::vector<std::byte> piece(kPiece);
  std::uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, piece.data(), piece.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot read", name);
    }
    if (n == 0) return total;
    take(std::span<const std::byte>(piece.data(), std::size_t(n)));
    total += std::uint64_t(n);
  }
}

void write_all(int fd, std::span<const std::byte> bytes, const std::string& name) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", name);
    }
    bytes = bytes.subspan(std::size_t(n));
  }
}

// Bytes to a temporary file renamed over its target on finish, or to stdout as they come.
class FileBackend final : public ObjectWriter::Backend {
 public:
  explicit FileBackend(io::TemporaryFile file) : file_(std::move(file)) {}
  explicit FileBackend(io::FileDescriptor out) : out_(std::move(out)) {}

  void write_chunk(std::span<const std::byte> bytes) override {
    write_all(fd(), bytes, name());
    size_ += bytes.size();
  }
  void write_owned(std::vector<std::byte> buffer) override { write_chunk(buffer); }
  void write_borrowed(std::span<const std::byte> bytes) override { write_chunk(bytes); }

  PutResult finish() override {
    if (file_) {
      if (::fsync(file_->fd()) != 0) fail("cannot write", name());
      file_->commit();
    }
    return PutResult{.etag = {}, .size = size_, .part_size = 0, .parts = 0, .part_size_raised = false};
  }

  void abort() noexcept override {
    if (file_) file_->discard();
  }

 private:
  int fd() const { return file_ ? file_->fd() : out_.get(); }
  const std::string& name() const { return file_ ? file_->target() : kStdout; }
  static inline const std::string kStdout = "stdout";

  std::optional<io::TemporaryFile> file_;
  io::FileDescriptor out_;
  std::uint64_t size_ = 0;
};

class FileStore final : public ObjectStore {
 public:
  ObjectWriter writer(const Location& to, const PutOptions&) override {
    if (to.kind == Location::Stdio)
      return ObjectWriter(std::make_unique<FileBackend>(io::FileDescriptor(::dup(STDOUT_FILENO))));
    return file_writer(to.path);
  }

  std::uint64_t read(const Location& from, const BodySink& sink) override {
    if (from.kind == Location::Stdio) return read_all(STDIN_FILENO, "stdin", sink);
    io::FileDescriptor fd(::open(from.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) fail("cannot open", from.path);
    return read_all(fd.get(), from.path, sink);
  }
};

class S3Store final : public ObjectStore {
 public:
  explicit S3Store(Client& client) : client_(client) {}

  ObjectWriter writer(const Location& to, const PutOptions& options) override {
    return client_.writer(to.bucket, to.key, options);
  }
  std::uint64_t read(const Location& from, const BodySink& sink) override {
    return client_.get_to(from.bucket, from.key, sink).size;
  }
  PutResult put_file(const Location& to, const std::string& path, const PutOptions& options) override {
    return client_.upload_file(to.bucket, to.key, path, options);
  }
  PutResult put_stream(const Location& to, int fd, const PutOptions& options) override {
    return client_.upload_stream(to.bucket, to.key, fd, options);
  }
  std::optional<PutResult> copy_within(const Location& from, const Location& to) override {
    PutResult r;
    r.etag = client_.copy_object(from.bucket, from.key, to.bucket, to.key);
    return r;
  }

 private:
  Client& client_;
};

}  // namespace

PutResult ObjectStore::put_file(const Location& to, const std::string& path, const PutOptions& options) {
  io::FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail("cannot open", path);
  return put_stream(to, fd.get(), options);
}

PutResult ObjectStore::put_stream(const Location& to, int fd, const PutOptions& options) {
  ObjectWriter w = writer(to, options);
  read_all(fd, "fd " + std::to_string(fd), [&](std::span<const std::byte> piece) { w.write_chunk(piece); });
  w.finish();
  return w.result();
}

std::optional<PutResult> ObjectStore::copy_within(const Location&, const Location&) { return std::nullopt; }

std::unique_ptr<ObjectStore> s3_store(Client& client) { return std::make_unique<S3Store>(client); }
std::unique_ptr<ObjectStore> file_store() { return std::make_unique<FileStore>(); }

ObjectWriter file_writer(const std::string& path) {
  return ObjectWriter(std::make_unique<FileBackend>(io::TemporaryFile(path)));
}

PutResult copy(ObjectStore& from_store, const Location& from, ObjectStore& to_store, const Location& to,
               const PutOptions& options) {
  if (&from_store == &to_store)
    if (std::optional<PutResult> r = to_store.copy_within(from, to)) return *r;
  if (from.kind == Location::File) return to_store.put_file(to, from.path, options);
  if (from.kind == Location::Stdio) return to_store.put_stream(to, STDIN_FILENO, options);
  ObjectWriter w = to_store.writer(to, options);
  from_store.read(from, [&](std::span<const std::byte> piece) { w.write_chunk(piece); });
  w.finish();
  return w.result();
}

}  // namespace raws3::store
