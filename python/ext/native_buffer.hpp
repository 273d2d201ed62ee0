// Memory that a GET lands in once, owned by C++ and shown to Python through the buffer protocol: a
// memoryview (or numpy array, or tensor) over it holds the NativeBuffer, so the memory lives while any of
// them does, whatever happens to the client that filled it.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace raws3::python {

class NativeBuffer {
 public:
  explicit NativeBuffer(bool writable) : writable_(writable) {}

  // Room for size bytes, uninitialised; called on a loop thread, without the GIL, before any byte lands.
  // A later call for a larger size (a retried request that declared more) replaces the memory.
  std::span<std::byte> allocate(std::uint64_t size);
  // How many of the allocated bytes arrived: the view's length.
  void set_size(std::uint64_t size) noexcept { size_ = std::size_t(size); }

  std::span<std::byte> bytes() const noexcept { return {memory_.get(), size_}; }
  pybind11::buffer_info info();

 private:
  bool writable_;
  std::unique_ptr<std::byte[]> memory_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

// A memoryview over buffer, holding it.
pybind11::memoryview view_of(std::shared_ptr<NativeBuffer> buffer);

void bind_native_buffer(pybind11::module_& m);

}  // namespace raws3::python
