// The native half of raws3's streaming writer (open_stream): an ObjectWriter fed from Python buffers.
// A write of at least one part is sent straight from the caller's memory (ObjectWriter::write_borrowed)
// and returns once the server has acknowledged it, so the caller may reuse the buffer then; smaller writes
// are copied into the upload's chunk ring and return at once. Both run with the GIL released.
#pragma once

#include <pybind11/pybind11.h>
#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <optional>

#include "raws3/object_writer.hpp"

namespace raws3::python {

class NativeWriter {
 public:
  NativeWriter(ObjectWriter writer, std::uint64_t part_size);
  // Aborts an upload neither finished nor aborted: dropping a writer never creates an object.
  ~NativeWriter();
  NativeWriter(const NativeWriter&) = delete;
  NativeWriter& operator=(const NativeWriter&) = delete;

  std::size_t write(pybind11::handle data);
  pybind11::dict finish();
  void abort();
  std::uint64_t written();

 private:
  ObjectWriter& writer();  // under mutex_; throws once finished, aborted, or in a forked child

  std::mutex mutex_;  // one call at a time: the GIL is released during each
  std::optional<ObjectWriter> writer_;
  std::uint64_t part_size_;
  std::uint64_t written_ = 0;
  pid_t pid_;
};

void bind_native_writer(pybind11::module_& m);

}  // namespace raws3::python
