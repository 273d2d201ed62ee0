#include "io/loop.hpp"

#include <future>

namespace raws3::io {

Loop::Loop(Backend backend, unsigned entries)
    : backend_(backend),
      engine_(backend == Backend::Uring ? make_uring_engine(entries) : make_epoll_engine()),
      thread_id_(std::this_thread::get_id()) {
  done_.reserve(256);
}

// A thread that posts holds posted_mutex_ until it has woken the engine: what it posted cannot run, and the
// loop cannot stop and be destroyed, before it lets go. (Posting, then waking after the lock, let a loop that
// ran the posted function first stop, and the poster then woke a destroyed engine.)
Loop::~Loop() { std::lock_guard wait_for_posters(posted_mutex_); }

void Loop::post(std::function<void()> fn) {
  std::lock_guard lock(posted_mutex_);
  enqueue_locked(std::move(fn));
}

void Loop::enqueue_locked(std::function<void()> fn) {
  posted_.push_back(std::move(fn));
  // From the loop itself (a completion starting the next request), run() finds it before it waits again:
  // no eventfd write, no extra trip through the engine.
  if (on_loop_thread())
    posted_locally_ = true;
  else
    engine_->wake();
}

void Loop::OffLoop::await_suspend(std::coroutine_handle<> h) {
  ++loop_.in_flight_;  // the loop must not stop under a waiting coroutine
  std::thread([this, h] {
    fn_();
    loop_.post([this, h] {
      --loop_.in_flight_;
      h.resume();
    });
  }).detach();
}

void Loop::request_stop() {
  // Under the lock, so that the loop cannot see the flag, stop and go before this post has woken it.
  std::lock_guard lock(posted_mutex_);
  stop_.store(true, std::memory_order_release);
  enqueue_locked([] {});
}

void Loop::run_posted() {
  {
    std::lock_guard lock(posted_mutex_);
    running_.swap(posted_);
  }
  for (auto& fn : running_) fn();
  running_.clear();
}

void Loop::run() {
  while (!(stop_.load(std::memory_order_acquire) && in_flight_ == 0)) {
    if (posted_locally_) {
      posted_locally_ = false;
      run_posted();
      continue;
    }
    const bool woken = engine_->wait(done_);
    // Resuming may submit more: the engine appends those to its own list, not to done_.
    for (Operation* op : done_) {
      --in_flight_;
      op->waiter.resume();
    }
    done_.clear();
    if (woken) run_posted();
  }
}

LoopThread::LoopThread(Backend backend) {
  std::promise<Loop*> started;
  auto ready = started.get_future();
  thread_ = std::thread([&started, backend] {
    Loop* created = nullptr;
    try {
      created = new Loop(backend);
    } catch (...) {
      started.set_exception(std::current_exception());
      return;
    }
    started.set_value(created);
    created->run();
    delete created;
  });
  try {
    loop_ = ready.get();
  } catch (...) {
    thread_.join();
    throw;
  }
}

LoopThread::~LoopThread() {
  loop_->request_stop();
  thread_.join();
}

}  // namespace raws3::io
