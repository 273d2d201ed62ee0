#include "pinned_buffer.hpp"

#include <string>

namespace py = pybind11;

namespace raws3::python {

namespace {

std::string type_name(py::handle obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

}  // namespace

PinnedBuffer::PinnedBuffer(py::handle obj, Access access, const char* what) {
  const int flags = PyBUF_C_CONTIGUOUS | (access == Access::Write ? PyBUF_WRITABLE : 0);
  if (PyObject_GetBuffer(obj.ptr(), &view_, flags) == 0) return;
  PyErr_Clear();
  if (!PyObject_CheckBuffer(obj.ptr()))
    throw py::type_error(std::string(what) + " must be a buffer (bytes, bytearray, memoryview, a numpy array...), not " +
                         type_name(obj));
  // Tell the caller which of the two requirements it missed.
  Py_buffer any{};
  if (PyObject_GetBuffer(obj.ptr(), &any, PyBUF_FULL_RO) != 0) throw py::error_already_set();
  const bool read_only = any.readonly;
  const bool contiguous = PyBuffer_IsContiguous(&any, 'C');
  PyBuffer_Release(&any);
  if (access == Access::Write && read_only)
    throw py::type_error(std::string(what) + " is read-only (" + type_name(obj) + "): a GET needs writable memory");
  if (!contiguous)
    throw py::type_error(std::string(what) + " is not C-contiguous (" + type_name(obj) +
                         "): pass a contiguous buffer, e.g. numpy.ascontiguousarray(a)");
  throw py::type_error(std::string(what) + " cannot be lent as a contiguous buffer (" + type_name(obj) + ")");
}

PinnedBuffer::~PinnedBuffer() {
  if (!Py_IsInitialized()) return;  // the interpreter is gone, and the exporter with it
  PyGILState_STATE state = PyGILState_Ensure();
  PyBuffer_Release(&view_);
  PyGILState_Release(state);
}

}  // namespace raws3::python
