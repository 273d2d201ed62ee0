#include "s3/file_body.hpp"

#include <cstring>
#include <string>

#include "raws3/error.hpp"

namespace raws3::s3 {

namespace {

[[noreturn]] void file_failure(const char* what, const std::string& path, int negative_errno) {
  throw FileError(std::string(what) + " '" + path + "': " + std::strerror(-negative_errno));
}

}  // namespace

FileSource::FileSource(io::Loop& loop, io::BufferPool& buffers, int fd, std::uint64_t offset,
                       std::uint64_t length, std::string path_for_errors)
    : loop_(loop), buffers_(buffers), fd_(fd), offset_(offset), length_(length), path_(std::move(path_for_errors)) {}

FileSource::~FileSource() {
  if (holding_) buffers_.release(lease_);
}

io::Task<std::span<const std::byte>> FileSource::next() {
  if (sent_ == length_) co_return std::span<const std::byte>{};
  if (!holding_) {
    lease_ = co_await buffers_.acquire();
    holding_ = true;
  }
  std::size_t want = std::size_t(std::min<std::uint64_t>(lease_.bytes.size(), length_ - sent_));
  std::size_t got = 0;
  while (got < want) {
    std::span<std::byte> dest = lease_.bytes.subspan(got, want - got);
    const std::uint64_t at = offset_ + sent_ + got;
    int n = lease_.index >= 0 ? co_await loop_.read_fixed(fd_, dest, at, lease_.index)
                              : co_await loop_.read(fd_, dest, at);
    if (n < 0) file_failure("cannot read", path_, n);
    if (n == 0) throw FileError("'" + path_ + "' shrank while it was being uploaded");
    got += std::size_t(n);
  }
  sent_ += got;
  co_return std::span<const std::byte>(lease_.bytes.first(got));
}

io::Task<void> FileWriter::write(io::Loop& loop, std::uint64_t offset, std::span<const std::byte> bytes,
                                 int index) {
  while (!bytes.empty()) {
    int n = index >= 0 ? co_await loop.write_fixed(fd_, bytes, offset, index) : co_await loop.write(fd_, bytes, offset);
    if (n < 0) file_failure("cannot write", path_, n);
    bytes = bytes.subspan(std::size_t(n));
    offset += std::uint64_t(n);
  }
}

io::Task<void> BufferedSink::commit(std::size_t n) {
  filled_ += n;
  if (filled_ == buffer_.bytes.size()) co_await flush();
}

io::Task<void> BufferedSink::finish() { co_await flush(); }

io::Task<void> BufferedSink::flush() {
  if (filled_ == 0) co_return;
  co_await out_.write(loop_, offset_, buffer_.bytes.first(filled_), buffer_.index);
  offset_ += filled_;
  filled_ = 0;
}

}  // namespace raws3::s3
