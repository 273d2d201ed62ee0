// A call running on the client's loops on Python's behalf. It completes once, on a loop thread, which
// never touches Python objects unless a callback asked it to; a Python thread waits for it with the GIL
// released (result()), and asyncio learns of it through add_done_callback, whose callback runs on the
// loop thread with the GIL held and only hands the settling over to the event loop's own thread.
#pragma once

#include <pybind11/pybind11.h>
#include <sys/types.h>

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>

namespace raws3::python {

class Pending {
 public:
  // Builds the call's Python result; run with the GIL held, possibly more than once.
  using Convert = std::function<pybind11::object()>;

  Pending();
  // From the call's completion, on a loop thread, without the GIL.
  void complete(std::exception_ptr error, Convert convert) noexcept;

  bool done();
  // Waits (GIL released) up to timeout seconds (none: for ever); raises the call's exception, or
  // TimeoutError.
  pybind11::object result(std::optional<double> timeout);
  // callback() once the call has ended: at once, if it has.
  void add_done_callback(pybind11::function callback);

 private:
  pid_t pid_;  // the process that started the call: a forked child has no loop to complete it
  std::mutex mutex_;
  std::condition_variable ended_;
  bool done_ = false;
  std::exception_ptr error_;
  Convert convert_;
  std::optional<pybind11::function> callback_;
};

void bind_pending(pybind11::module_& m);

}  // namespace raws3::python
