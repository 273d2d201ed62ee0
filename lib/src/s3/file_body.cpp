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
