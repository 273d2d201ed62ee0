#include "native_buffer.hpp"

#include <new>

namespace py = pybind11;

namespace raws3::python {

std::span<std::byte> NativeBuffer::allocate(std::uint64_t size) {
  if (size > std::uint64_t(PTRDIFF_MAX)) throw std::bad_alloc();
  if (!memory_ || size > capacity_) {
    // Not zero-filled: every byte of it is written by the GET before Python sees it.
    memory_ = std::make_unique_for_overwrite<std::byte[]>(std::size_t(size));
    capacity_ = std::size_t(size);
  }
  size_ = std::size_t(size);
  return {memory_.get(), size_};
}

py::buffer_info NativeBuffer::info() {
  return py::buffer_info(memory_.get(), 1, py::format_descriptor<std::uint8_t>::format(), 1,
                         {py::ssize_t(size_)}, {py::ssize_t(1)}, !writable_);
}

py::memoryview view_of(std::shared_ptr<NativeBuffer> buffer) {
  py::object owner = py::cast(std::move(buffer));
  return py::reinterpret_steal<py::memoryview>(PyMemoryView_FromObject(owner.ptr()));
}

void bind_native_buffer(py::module_& m) {
  py::class_<NativeBuffer, std::shared_ptr<NativeBuffer>>(m, "NativeBuffer", py::buffer_protocol(),
                                                          "Memory a GET landed in; memoryviews over it keep it alive.")
      .def_buffer(&NativeBuffer::info)
      .def("__len__", [](const NativeBuffer& b) { return b.bytes().size(); });
}

}  // namespace raws3::python
