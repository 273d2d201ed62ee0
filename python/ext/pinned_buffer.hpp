// A Python object's memory lent to C++ through the buffer protocol: while a PinnedBuffer lives, the
// exporter keeps that memory where it is (a bytearray cannot resize, a numpy array cannot be freed), so
// C++ may read or write it with the GIL released. Made with the GIL held; the destructor takes the GIL
// itself, because the last owner may be a loop thread finishing an asynchronous call.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <span>

namespace raws3::python {

class PinnedBuffer {
 public:
  enum class Access { Read, Write };
  // Throws TypeError naming `what` (the argument) when obj is not a C-contiguous buffer, or is read-only
  // and write access was asked for.
  PinnedBuffer(pybind11::handle obj, Access access, const char* what);
  ~PinnedBuffer();
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  std::span<std::byte> bytes() const noexcept {
    return {static_cast<std::byte*>(view_.buf), std::size_t(view_.len)};
  }

 private:
  Py_buffer view_{};
};

}  // namespace raws3::python
