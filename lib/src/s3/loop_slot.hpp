// One of a client's event loops and what the client keeps on it.
#pragma once

#include <memory>

#include "io/loop.hpp"
#include "s3/endpoint.hpp"
#include "s3/loop_context.hpp"

namespace raws3::s3 {

// Owns a loop thread and the LoopContext that lives on it. The context is made and destroyed on the
// loop's own thread (its connections and registered buffers belong to that ring), and always before the
// thread stops. Destroy a slot only once no work of the client can still run on it (WorkTracker).
class LoopSlot {
 public:
  // Starts the thread on `backend` and builds the context on it; throws what either threw.
  LoopSlot(io::Backend backend, const Endpoint& endpoint, unsigned file_buffers);
  ~LoopSlot();
  LoopSlot(const LoopSlot&) = delete;
  LoopSlot& operator=(const LoopSlot&) = delete;

  io::Loop& loop() noexcept { return thread_.loop(); }
  LoopContext& context() noexcept { return *context_; }

 private:
  io::LoopThread thread_;
  std::unique_ptr<LoopContext> context_;  // touched only on the loop's thread after construction
};

}  // namespace raws3::s3
