#include "io/loop.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <future>
#include <string>
#include <system_error>

namespace raws3::io {

namespace {

// The strongest setup the kernel accepts: SINGLE_ISSUER|DEFER_TASKRUN keeps completion work on our own
// thread at our own time; COOP_TASKRUN saves the interrupt on older kernels; plain works everywhere.
RingFeatures init_ring(io_uring& ring, unsigned entries) {
  struct Attempt {
    unsigned flags;
    RingFeatures features;
  };
  const Attempt attempts[] = {
      {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, {true, true, false, false, false}},
      {IORING_SETUP_COOP_TASKRUN, {false, false, true, false, false}},
      {0, {}},
  };
  int last_error = 0;
  for (const Attempt& a : attempts) {
    io_uring_params params{};
    params.flags = a.flags;
    int rc = io_uring_queue_init_params(entries, &ring, &params);
    if (rc == 0) {
      RingFeatures f = a.features;
      if (io_uring_probe* probe = io_uring_get_probe_ring(&ring)) {
        f.send_zc = io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);
        f.read_write_fixed = io_uring_opcode_supported(probe, IORING_OP_READ_FIXED) &&
                             io_uring_opcode_supported(probe, IORING_OP_WRITE_FIXED);
        io_uring_free_probe(probe);
      }
      return f;
    }
    last_error = -rc;
  }
  throw std::system_error(last_error, std::generic_category(), "io_uring_queue_init");
}

}  // namespace

Loop::Loop(unsigned entries) : thread_id_(std::this_thread::get_id()) {
  features_ = init_ring(ring_, entries);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    int err = errno;
    io_uring_queue_exit(&ring_);
    throw std::system_error(err, std::generic_category(), "eventfd");
  }
  arm_wakeup();
  // Every pool of every layer registers into this one table: a ring takes one registration only.
  if (io_uring_register_buffers_sparse(&ring_, kRegisteredBufferSlots) == 0)
    free_buffer_slots_.emplace_back(0, kRegisteredBufferSlots);
}

Loop::~Loop() {
  io_uring_queue_exit(&ring_);
  ::close(wake_fd_);
}

io_uring_sqe* Loop::sqe_pair(bool pair) {
  const unsigned need = pair ? 2 : 1;
  if (io_uring_sq_space_left(&ring_) < need) io_uring_submit(&ring_);
  return io_uring_get_sqe(&ring_);
}

void Loop::arm_wakeup() {
  io_uring_sqe* sqe = sqe_pair(false);
  io_uring_prep_read(sqe, wake_fd_, &wake_value_, sizeof wake_value_, 0);
  io_uring_sqe_set_data64(sqe, kWakeup);
}

void Loop::cancel_in_flight() {
  io_uring_sqe* sqe = sqe_pair(false);
  io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, kIgnored);
  // Submitted now, so that it reaches only what is already in flight, not what its caller submits next.
  io_uring_submit(&ring_);
  // The wakeup read is among the cancelled: run() re-arms it when its completion arrives.
}

void Loop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(fn));
  }
  // From the loop itself (a completion starting the next request), run() finds it before it waits again:
  // no eventfd write, no extra trip through the ring.
  if (on_loop_thread()) {
    posted_locally_ = true;
    return;
  }
  const std::uint64_t one = 1;
  // A failed eventfd write means the counter is saturated: the loop is awake already.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
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
  stop_.store(true, std::memory_order_release);
  post([] {});
}

void Loop::run_posted() {
  {
    std::lock_guard lock(posted_mutex_);
    running_.swap(posted_);
  }
  for (auto& fn : running_) fn();
  running_.clear();
}

std::optional<int> Loop::register_buffers(std::span<const iovec> buffers) {
  const unsigned n = unsigned(buffers.size());
  for (auto it = free_buffer_slots_.begin(); it != free_buffer_slots_.end(); ++it) {
    if (it->second < n) continue;
    const int first = it->first;
    if (io_uring_register_buffers_update_tag(&ring_, unsigned(first), buffers.data(), nullptr, n) != int(n))
      return std::nullopt;
    it->first += int(n);
    it->second -= n;
    if (it->second == 0) free_buffer_slots_.erase(it);
    return first;
  }
  return std::nullopt;
}

void Loop::unregister_buffers(int first, unsigned count) {
  // An empty iovec clears a slot.
  std::vector<iovec> empty(count, iovec{nullptr, 0});
  io_uring_register_buffers_update_tag(&ring_, unsigned(first), empty.data(), nullptr, count);
  free_buffer_slots_.emplace_back(first, count);
}

void Loop::run() {
  struct Ready {
    std::uint64_t data;
    int result;
    std::uint32_t flags;
  };
  std::vector<Ready> ready;
  ready.reserve(256);
  while (!(stop_.load(std::memory_order_acquire) && in_flight_ == 0)) {
    if (posted_locally_) {
      posted_locally_ = false;
      run_posted();
      continue;
    }
    int rc = io_uring_submit_and_wait(&ring_, 1);
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
      throw std::system_error(-rc, std::generic_category(), "io_uring_submit_and_wait");
    // Copy the completions out first: resuming a coroutine may submit, and the CQ ring is ours to advance.
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ready.push_back({cqe->user_data, cqe->res, cqe->flags});
      ++seen;
    }
    io_uring_cq_advance(&ring_, seen);
    for (const Ready& r : ready) {
      if (r.data == kIgnored) continue;
      if (r.data == kWakeup) {
        arm_wakeup();
        run_posted();
        continue;
      }
      auto* c = reinterpret_cast<Completion*>(r.data);
      // A zero-copy send completes twice: its result (flagged MORE), then the notification that the
      // kernel let go of the buffer. Its awaiter waits for the second.
      if (!(r.flags & IORING_CQE_F_NOTIF)) c->result = r.result;
      if (r.flags & IORING_CQE_F_MORE) continue;
      --in_flight_;
      c->waiter.resume();
    }
    ready.clear();
  }
}

LoopThread::LoopThread() {
  std::promise<Loop*> started;
  auto ready = started.get_future();
  thread_ = std::thread([&started] {
    Loop* created = nullptr;
    try {
      created = new Loop();
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
