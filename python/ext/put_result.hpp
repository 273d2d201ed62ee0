// What an upload did, as the dict raws3's Python layer reads.
#pragma once

#include <pybind11/pybind11.h>

#include "raws3/object_writer.hpp"

namespace raws3::python {

inline pybind11::dict put_result_dict(const PutResult& r) {
  pybind11::dict d;
  d["etag"] = r.etag;
  d["size"] = r.size;
  d["parts"] = r.parts;
  d["part_size"] = r.part_size;
  return d;
}

}  // namespace raws3::python
