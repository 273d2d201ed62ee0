// The native half of raws3.Client: a raws3::Client per process, and the calls Python makes on it.
//
// Fork: a forked child (a DataLoader worker) inherits the client's memory but none of its loop threads,
// and its rings and registered buffers are not inherited at all (io_uring_ring_dontfork, MADV_DONTFORK).
// The child's first call finds the client made by another process, leaves it be — destroying it would
// wait for threads that do not exist in the child — and makes its own from the same Config. Writers and
// calls in flight that the parent began raise raws3.Error in the child instead of waiting for ever.
//
// Threads: every call that moves bytes releases the GIL for the whole transfer. The raws3::Client is held
// by shared_ptr, taken and dropped with the GIL released, so that close() on one thread while another is in
// a call waits for nothing but that call, and ~Client (which waits for the loops) never holds the GIL.
#pragma once

#include <pybind11/pybind11.h>
#include <sys/types.h>

#include <memory>
#include <mutex>

#include "raws3/client.hpp"

namespace raws3::python {

class NativeClient {
 public:
  explicit NativeClient(Config config);
  ~NativeClient();
  NativeClient(const NativeClient&) = delete;
  NativeClient& operator=(const NativeClient&) = delete;

  // This process's client; call it with the GIL released. Throws raws3::Error once closed.
  std::shared_ptr<Client> get();
  // Ends the client: calls in flight are cancelled and waited for. Later calls raise. GIL released.
  void close();
  void cancel();

  const Config& config() const noexcept { return config_; }

 private:
  const Config config_;
  std::mutex mutex_;
  std::shared_ptr<Client> client_;
  pid_t pid_;
  bool closed_ = false;
};

void bind_native_client(pybind11::module_& m);

}  // namespace raws3::python
