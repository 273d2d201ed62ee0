// librawS3's C++ exceptions as the Python exceptions of raws3/_errors.py: raws3.S3Error with the server's
// code, status and request id, also FileNotFoundError for a missing key or bucket and PermissionError
// for a refusal, raws3.Cancelled, raws3.ConfigError (a ValueError), and so on. The classes are made in
// Python, where a class may derive from both raws3.Error and an OSError; the translator asks
// raws3._errors for an instance.
#pragma once

#include <pybind11/pybind11.h>

namespace raws3::python {

void register_error_translator();

}  // namespace raws3::python
