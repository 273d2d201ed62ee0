// What a client has started and not yet finished: every call's coroutine, and every writer's upload.
// A Client's destruction waits here, after cancelling, until nothing is left that could touch a loop,
// a connection or a buffer it is about to free.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <utility>

namespace raws3::s3 {

class WorkTracker {
 public:
  // One unit of work, counted from construction until it is released or destroyed. Move-only: whoever
  // holds it is what the client waits for.
  class Token {
   public:
    Token() = default;
    explicit Token(WorkTracker& tracker) : tracker_(&tracker) { tracker.enter(); }
    Token(Token&& other) noexcept : tracker_(std::exchange(other.tracker_, nullptr)) {}
    Token& operator=(Token&& other) noexcept {
      if (this != &other) {
        release();
        tracker_ = std::exchange(other.tracker_, nullptr);
      }
      return *this;
    }
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;
    ~Token() { release(); }

    void release() noexcept {
      if (tracker_) std::exchange(tracker_, nullptr)->leave();
    }

   private:
    WorkTracker* tracker_ = nullptr;
  };

  // Blocks until every Token has been released.
  void wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return count_ == 0; });
  }

 private:
  void enter() {
    std::lock_guard lock(mutex_);
    ++count_;
  }
  void leave() noexcept {
    std::lock_guard lock(mutex_);
    if (--count_ == 0) idle_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable idle_;
  std::size_t count_ = 0;
};

}  // namespace raws3::s3
