#include "errors.hpp"

#include <new>
#include <stdexcept>

#include "raws3/error.hpp"

namespace py = pybind11;

namespace raws3::python {

namespace {

// Raises raws3._errors.from_native(kind, ...) as the current Python exception.
void raise(const char* kind, const std::exception& e, int status = 0, const std::string& code = {},
           const std::string& request_id = {}, const std::string& region = {}) {
  try {
    py::object error = py::module_::import("raws3._errors")
                           .attr("from_native")(kind, e.what(), status, code, request_id, region);
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  } catch (py::error_already_set& failure) {
    failure.restore();  // raws3._errors itself failed: say so rather than hide it
  }
}

}  // namespace

void register_error_translator() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const S3Error& e) {
      raise("S3Error", e, e.http_status(), e.code(), e.request_id(), e.region());
    } catch (const ConfigError& e) {
      raise("ConfigError", e);
    } catch (const NetworkError& e) {
      raise("NetworkError", e);
    } catch (const IntegrityError& e) {
      raise("IntegrityError", e);
    } catch (const Cancelled& e) {
      raise("Cancelled", e);
    } catch (const FileError& e) {
      raise("FileError", e);
    } catch (const Error& e) {
      raise("Error", e);
    }
    // Everything else (std::bad_alloc, py::error_already_set...) goes to pybind11's own translators.
  });
}

}  // namespace raws3::python
