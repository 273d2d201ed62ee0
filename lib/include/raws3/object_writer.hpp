// An object written piece by piece, for data the caller produces: bytes go into a ring of part-sized
// chunks and leave as parts while the caller goes on writing, so memory stays constant.
//
//   raws3::ObjectWriter w = client.writer("bucket", "key");
//   w.write_chunk(piece);                 // copied into the ring; waits while every chunk is in flight
//   w.write_owned(std::move(big_vector)); // adopted: whole parts are sent from it without a copy
//   w.write_borrowed(array_bytes);        // whole parts sent from the caller's memory; returns once
//                                         // the server has them, so the caller may reuse it then
//   std::string etag = w.finish();
//
// A writer not finished when it dies is aborted: a multipart upload is never left behind. Use one
// writer from one thread at a time. Failures throw raws3::Error subclasses; after one, the upload is
// aborted already and the writer only accepts abort() and destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "raws3/export.hpp"

namespace raws3 {

// What an upload did.
struct PutResult {
  std::string etag;
  std::uint64_t size = 0;
  std::uint64_t part_size = 0;  // the part size used: larger than asked when the object needed it
  unsigned parts = 0;           // 0: one PutObject (or a local file)
  bool part_size_raised = false;
};

class RAWS3_API ObjectWriter {
 public:
  // Where the bytes go: an S3 upload (Client::writer) or a local file (store/). After a call that threw,
  // or instead of finish(), abort() is called once and must leave nothing behind.
  class RAWS3_API Backend {
   public:
    virtual ~Backend() = default;
    virtual void write_chunk(std::span<const std::byte> bytes) = 0;
    virtual void write_owned(std::vector<std::byte> buffer) = 0;
    virtual void write_borrowed(std::span<const std::byte> bytes) = 0;
    virtual PutResult finish() = 0;
    virtual void abort() noexcept = 0;
  };

  explicit ObjectWriter(std::unique_ptr<Backend> backend);
  ObjectWriter(ObjectWriter&&) noexcept;
  ObjectWriter& operator=(ObjectWriter&&) noexcept;
  ~ObjectWriter();  // aborts unless finished

  void write_chunk(std::span<const std::byte> bytes);
  // Takes the buffer over instead of copying it; it is freed once its parts are acknowledged.
  void write_owned(std::vector<std::byte> buffer);
  // Sends the whole parts in bytes straight from them and copies the rest; returns once nothing reads
  // bytes any more (their parts acknowledged), so they may be changed or freed then. For large buffers the
  // caller cannot give away (a Python buffer, a memory map); small ones are cheaper through write_chunk.
  void write_borrowed(std::span<const std::byte> bytes);
  // Completes the object; returns its ETag.
  std::string finish();
  // Cancels: nothing is created, and a multipart upload is aborted. Safe to call more than once.
  void abort() noexcept;

  // After finish().
  const PutResult& result() const noexcept { return result_; }
  std::uint64_t written() const noexcept { return written_; }

 private:
  // Runs a Backend call; a failure aborts and ends the writer.
  template <class F>
  decltype(auto) guarded(F&& f);

  std::unique_ptr<Backend> backend_;
  PutResult result_;
  std::uint64_t written_ = 0;
};

}  // namespace raws3
