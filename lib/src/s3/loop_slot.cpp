#include "s3/loop_slot.hpp"

#include <future>

namespace raws3::s3 {

LoopSlot::LoopSlot(io::Backend backend, const Endpoint& endpoint, unsigned file_buffers) : thread_(backend) {
  std::promise<void> ready;
  loop().post([&] {
    try {
      context_ = std::make_unique<LoopContext>(loop(), endpoint, file_buffers);
      ready.set_value();
    } catch (...) {
      ready.set_exception(std::current_exception());
    }
  });
  ready.get_future().get();
}

LoopSlot::~LoopSlot() {
  std::promise<void> done;
  loop().post([&] {
    context_.reset();
    done.set_value();
  });
  done.get_future().wait();
  // thread_ stops the loop and joins it.
}

}  // namespace raws3::s3
