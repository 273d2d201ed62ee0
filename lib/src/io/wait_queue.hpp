// Coroutines waiting, in arrival order, for a resource of one loop (a buffer, a connection slot).
#pragma once

#include <coroutine>
#include <deque>

namespace raws3::io {

class WaitQueue {
 public:
  struct Awaiter {
    WaitQueue& queue;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { queue.waiters_.push_back(h); }
    void await_resume() const noexcept {}
  };

  // Suspends until wake_one() picks this waiter. The resource may be gone again by then: re-check.
  Awaiter wait() noexcept { return Awaiter{*this}; }

  void wake_one() {
    if (waiters_.empty()) return;
    std::coroutine_handle<> h = waiters_.front();
    waiters_.pop_front();
    h.resume();
  }
  bool empty() const noexcept { return waiters_.empty(); }

  // The first waiter, or every one, moved into a queue of the caller's: woken from there, they may end
  // what owns this queue (and the queue with it) without the waking touching it.
  WaitQueue take_one() {
    WaitQueue out;
    if (!waiters_.empty()) {
      out.waiters_.push_back(waiters_.front());
      waiters_.pop_front();
    }
    return out;
  }
  WaitQueue take_all() noexcept {
    WaitQueue out;
    out.waiters_.swap(waiters_);
    return out;
  }
  void wake_all() {
    while (!waiters_.empty()) wake_one();
  }

 private:
  std::deque<std::coroutine_handle<>> waiters_;
};

}  // namespace raws3::io
