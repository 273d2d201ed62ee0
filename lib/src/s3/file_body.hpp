// Files as response destinations, written from the loop's registered buffers (WRITE_FIXED), so the loop
// thread never blocks on a disk. (Uploads read files into their chunk ring: s3/multipart_put.hpp.)
#pragma once

#include <cstdint>
#include <string>

#include "http/request.hpp"
#include "http/response.hpp"
#include "io/buffer_pool.hpp"

namespace raws3::s3 {

// Where a BufferedSink's filled buffer goes: a file at its offset, or a reader that wants bytes in order.
class PieceWriter {
 public:
  virtual ~PieceWriter() = default;
  // Takes all of bytes, which sit in registered buffer `index` (-1: not registered) and are the
  // destination's bytes from `offset` on. The buffer is the caller's again once this returns.
  virtual io::Task<void> write(io::Loop& loop, std::uint64_t offset, std::span<const std::byte> bytes, int index) = 0;
};

// Writes at offsets of an open file (WRITE_FIXED from registered buffers). Does not own fd.
class FileWriter final : public PieceWriter {
 public:
  FileWriter(int fd, std::string path_for_errors) : fd_(fd), path_(std::move(path_for_errors)) {}
  io::Task<void> write(io::Loop& loop, std::uint64_t offset, std::span<const std::byte> bytes, int index) override;

 private:
  int fd_;
  std::string path_;
};

// Receives a body into one buffer and hands it to a PieceWriter each time it fills, and at the end: the
// bytes land once, in the buffer, and go from there to their destination. The destination's bytes from
// `offset` on. Does not own the buffer.
class BufferedSink final : public http::BodySink {
 public:
  BufferedSink(io::Loop& loop, const io::BufferPool::Lease& buffer, PieceWriter& out, std::uint64_t offset)
      : loop_(loop), buffer_(buffer), out_(out), offset_(offset) {}
  std::span<std::byte> buffer() override { return buffer_.bytes.subspan(filled_); }
  io::Task<void> commit(std::size_t n) override;
  io::Task<void> finish() override;

 private:
  io::Task<void> flush();

  io::Loop& loop_;
  io::BufferPool::Lease buffer_;
  PieceWriter& out_;
  std::uint64_t offset_;  // where the buffer's first byte goes
  std::size_t filled_ = 0;
};

}  // namespace raws3::s3
