#include "native_writer.hpp"

#include <unistd.h>

#include <utility>

#include "pinned_buffer.hpp"
#include "put_result.hpp"
#include "raws3/error.hpp"

namespace py = pybind11;

namespace raws3::python {

NativeWriter::NativeWriter(ObjectWriter writer, std::uint64_t part_size)
    : writer_(std::move(writer)), part_size_(part_size), pid_(::getpid()) {}

NativeWriter::~NativeWriter() {
  if (pid_ != ::getpid()) {
    // The parent's upload: its loops are not in this process, so aborting would wait for ever.
    new ObjectWriter(std::move(*writer_));  // NOLINT: left to the process's end, on purpose
    return;
  }
  py::gil_scoped_release nogil;
  writer_.reset();
}

ObjectWriter& NativeWriter::writer() {
  if (pid_ != ::getpid())
    throw Error("this stream was opened before fork(), in the parent process: open another in the child");
  if (!writer_) throw Error("this stream is closed");
  return *writer_;
}

std::size_t NativeWriter::write(py::handle data) {
  PinnedBuffer pinned(data, PinnedBuffer::Access::Read, "data");
  const std::span<const std::byte> bytes = pinned.bytes();
  {
    py::gil_scoped_release nogil;
    std::lock_guard lock(mutex_);
    ObjectWriter& w = writer();
    if (bytes.size() >= part_size_)
      w.write_borrowed(bytes);
    else
      w.write_chunk(bytes);
    written_ += bytes.size();
  }
  return bytes.size();
}

py::dict NativeWriter::finish() {
  PutResult result;
  {
    py::gil_scoped_release nogil;
    std::lock_guard lock(mutex_);
    ObjectWriter& w = writer();
    w.finish();
    result = w.result();
    writer_.reset();
  }
  return put_result_dict(result);
}

void NativeWriter::abort() {
  py::gil_scoped_release nogil;
  std::lock_guard lock(mutex_);
  if (pid_ != ::getpid() || !writer_) return;
  writer_->abort();
  writer_.reset();
}

std::uint64_t NativeWriter::written() {
  std::lock_guard lock(mutex_);
  return written_;
}

void bind_native_writer(py::module_& m) {
  py::class_<NativeWriter>(m, "NativeWriter", "An upload fed piece by piece (raws3.ObjectWriter's native half).")
      .def("write", &NativeWriter::write, py::arg("data"))
      .def("finish", &NativeWriter::finish)
      .def("abort", &NativeWriter::abort)
      .def_property_readonly("written", &NativeWriter::written);
}

}  // namespace raws3::python
