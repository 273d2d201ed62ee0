// Files as request bodies and as response destinations, moved through the loop's registered buffers
// (READ_FIXED / WRITE_FIXED), so the loop thread never blocks on a disk.
#pragma once

#include <cstdint>

#include "http/request.hpp"
#include "http/response.hpp"
#include "io/buffer_pool.hpp"

namespace raws3::s3 {

// Sends [offset, offset + length) of an open file. Does not own fd.
class FileSource final : public http::BodySource {
 public:
  FileSource(io::Loop& loop, io::BufferPool& buffers, int fd, std::uint64_t offset, std::uint64_t length,
             std::string path_for_errors);
  ~FileSource() override;
  std::uint64_t size() const override { return length_; }
  io::Task<std::span<const std::byte>> next() override;
  void rewind() override { sent_ = 0; }

 private:
  io::Loop& loop_;
  io::BufferPool& buffers_;
  int fd_;
  std::uint64_t offset_;
  std::uint64_t length_;
  std::uint64_t sent_ = 0;
  std::string path_;
  io::BufferPool::Lease lease_;
  bool holding_ = false;
};

// Receives a body into an open file from its start, one registered buffer at a time. Does not own fd.
class FileSink final : public http::BodySink {
 public:
  FileSink(io::Loop& loop, io::BufferPool& buffers, int fd, std::string path_for_errors);
  ~FileSink() override;
  // Takes a buffer from the pool: call before the body arrives.
  io::Task<void> open();
  std::span<std::byte> buffer() override { return lease_.bytes.subspan(filled_); }
  io::Task<void> commit(std::size_t n) override;
  io::Task<void> finish() override;
  std::uint64_t written() const noexcept { return file_offset_; }

 private:
  io::Task<void> flush();

  io::Loop& loop_;
  io::BufferPool& buffers_;
  int fd_;
  std::string path_;
  io::BufferPool::Lease lease_;
  bool holding_ = false;
  std::size_t filled_ = 0;
  std::uint64_t file_offset_ = 0;
};

}  // namespace raws3::s3
