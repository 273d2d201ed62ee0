#include "pending.hpp"

#include <pybind11/stl.h>

#include <unistd.h>

#include <chrono>
#include <utility>

#include "raws3/error.hpp"

namespace py = pybind11;

namespace raws3::python {

Pending::Pending() : pid_(::getpid()) {}

void Pending::complete(std::exception_ptr error, Convert convert) noexcept {
  std::optional<py::function> callback;
  {
    std::lock_guard lock(mutex_);
    done_ = true;
    error_ = std::move(error);
    convert_ = std::move(convert);
    callback.swap(callback_);  // moving a handle touches no reference count: no GIL needed
  }
  ended_.notify_all();
  if (!callback || !Py_IsInitialized()) {
    if (callback) callback->release();  // the interpreter is gone: nothing left to call or to free
    return;
  }
  py::gil_scoped_acquire gil;
  try {
    (*callback)();
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("raws3: a completion callback");
  }
  callback.reset();
}

bool Pending::done() {
  std::lock_guard lock(mutex_);
  return done_;
}

py::object Pending::result(std::optional<double> timeout) {
  if (pid_ != ::getpid())
    throw Error("this call was started before fork(), in the parent process, and cannot complete in the child");
  bool ended = false;
  {
    py::gil_scoped_release nogil;
    std::unique_lock lock(mutex_);
    if (timeout)
      ended = ended_.wait_for(lock, std::chrono::duration<double>(*timeout), [&] { return done_; });
    else
      ended_.wait(lock, [&] { return ended = done_; });
  }
  if (!ended) {
    PyErr_SetString(PyExc_TimeoutError, "the call has not ended yet");
    throw py::error_already_set();
  }
  if (error_) std::rethrow_exception(error_);
  return convert_();
}

void Pending::add_done_callback(py::function callback) {
  {
    std::lock_guard lock(mutex_);
    if (!done_) {
      callback_ = std::move(callback);
      return;
    }
  }
  callback();
}

void bind_pending(py::module_& m) {
  py::class_<Pending, std::shared_ptr<Pending>>(m, "Pending", "A call in flight on the client's loops.")
      .def("done", &Pending::done, "Whether the call has ended.")
      .def("result", &Pending::result, py::arg("timeout") = py::none(),
           "Waits for the call (the GIL released) and returns its result or raises its exception.")
      .def("add_done_callback", &Pending::add_done_callback, py::arg("callback"),
           "Calls callback() once the call has ended, on a loop thread with the GIL held: keep it short.");
}

}  // namespace raws3::python
