// raws3._raws3: librawS3 for Python. The public API is raws3's Python layer (python/raws3/), which
// parses URIs, names arguments and documents them; this module is its native half. See BOUNDARY.md.
#include <pybind11/pybind11.h>

#include "errors.hpp"
#include "native_buffer.hpp"
#include "native_client.hpp"
#include "native_writer.hpp"
#include "pending.hpp"

PYBIND11_MODULE(_raws3, m) {
  m.doc() = "librawS3's native half: use the raws3 package.";
  raws3::python::register_error_translator();
  raws3::python::bind_native_buffer(m);
  raws3::python::bind_pending(m);
  raws3::python::bind_native_writer(m);
  raws3::python::bind_native_client(m);
}
