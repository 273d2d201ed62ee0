// One io_uring event loop, owned by one thread.
//
// Every socket and file operation is a ring operation awaited by a coroutine; the loop's thread is the
// only one that touches the ring (IORING_SETUP_SINGLE_ISSUER where the kernel has it). Other threads hand
// work to a loop with post(), which wakes it through an eventfd.
#pragma once

#include <liburing.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <span>
#include <thread>
#include <vector>

namespace raws3::io {

using Millis = std::chrono::milliseconds;

// What the kernel offered when the ring was set up, probed once.
// Size of each loop's registered-buffer table: slots, not bytes.
inline constexpr unsigned kRegisteredBufferSlots = 1024;

struct RingFeatures {
  bool single_issuer = false;
  bool defer_taskrun = false;
  bool coop_taskrun = false;
  bool send_zc = false;
  bool read_write_fixed = false;
};

class Loop {
  struct Completion {
    std::coroutine_handle<> waiter;
    int result = 0;
  };
  static constexpr std::uint64_t kIgnored = 0;
  static constexpr std::uint64_t kWakeup = 1;

 public:
  // Sets up the ring; call it on the thread that will call run().
  explicit Loop(unsigned entries = 512);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // An awaitable ring operation. Awaiting it yields the CQE result: >= 0 on success, -errno on failure;
  // -ETIMEDOUT when its linked timeout fired first.
  template <class Prep>
  class Op {
   public:
    Op(Loop& loop, Prep prep, Millis timeout) : loop_(loop), prep_(prep), timeout_(timeout) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      completion_.waiter = h;
      io_uring_sqe* sqe = loop_.sqe_pair(timeout_.count() > 0);
      prep_(sqe, own_ts_);
      io_uring_sqe_set_data(sqe, &completion_);
      if (timeout_.count() > 0) {
        sqe->flags |= IOSQE_IO_LINK;
        ts_.tv_sec = timeout_.count() / 1000;
        ts_.tv_nsec = (timeout_.count() % 1000) * 1'000'000;
        io_uring_sqe* t = io_uring_get_sqe(&loop_.ring_);
        io_uring_prep_link_timeout(t, &ts_, 0);
        io_uring_sqe_set_data64(t, kIgnored);
      }
      ++loop_.in_flight_;
    }
    int await_resume() const noexcept {
      if (timeout_.count() > 0 && completion_.result == -ECANCELED) return -ETIMEDOUT;
      return completion_.result;
    }

   private:
    Loop& loop_;
    Prep prep_;
    Millis timeout_;
    __kernel_timespec ts_{};
    __kernel_timespec own_ts_{};  // for operations that are themselves timers
    Completion completion_;
  };

  // A zero timeout means "no timeout".
  auto recv(int fd, std::span<std::byte> buf, Millis timeout) {
    return op([=](io_uring_sqe* s, __kernel_timespec&) { io_uring_prep_recv(s, fd, buf.data(), buf.size(), 0); }, timeout);
  }
  auto send(int fd, std::span<const std::byte> buf, Millis timeout) {
    return op([=](io_uring_sqe* s, __kernel_timespec&) { io_uring_prep_send(s, fd, buf.data(), buf.size(), MSG_NOSIGNAL); },
              timeout);
  }
  auto sendmsg(int fd, const msghdr* msg, Millis timeout) {
    return op([=](io_uring_sqe* s, __kernel_timespec&) { io_uring_prep_sendmsg(s, fd, msg, MSG_NOSIGNAL); }, timeout);
  }
  // SENDMSG_ZC (features().send_zc): the kernel sends from msg's buffers instead of copying them. The
  // awaiter resumes only after the kernel's notification that it has let go of them, so they may be
  // reused as soon as the result is back.
  auto sendmsg_zc(int fd, const msghdr* msg, Millis timeout) {
    return op([=](io_uring_sqe* s, __kernel_timespec&) { io_uring_prep_sendmsg_zc(s, fd, msg, MSG_NOSIGNAL); },
              timeout);
  }
  auto connect(int fd, const sockaddr* addr, socklen_t len, Millis timeout) {
    return op([=](io_uring_sqe* s, __kernel_timespec&) { io_uring_prep_connect(s, fd, addr, len); }, timeout);
  }
  auto read(int fd, std::span<std::byte> buf, std::uint64_t offset) {
    return op([=](io_uring_sqe* s, __kernel_timespec&) { io_uring_prep_read(s, fd, buf.data(), unsigned(buf.size()), offset); },
              Millis{0});
  }
  auto write(int fd, std::span<const std::byte> buf, std::uint64_t offset) {
    return op([=](io_uring_sqe* s, __kernel_timespec&) { io_uring_prep_write(s, fd, buf.data(), unsigned(buf.size()), offset); },
              Millis{0});
  }
  auto read_fixed(int fd, std::span<std::byte> buf, std::uint64_t offset, int buf_index) {
    return op([=](io_uring_sqe* s, __kernel_timespec&) {
      io_uring_prep_read_fixed(s, fd, buf.data(), unsigned(buf.size()), offset, buf_index);
    }, Millis{0});
  }
  auto write_fixed(int fd, std::span<const std::byte> buf, std::uint64_t offset, int buf_index) {
    return op([=](io_uring_sqe* s, __kernel_timespec&) {
      io_uring_prep_write_fixed(s, fd, buf.data(), unsigned(buf.size()), offset, buf_index);
    }, Millis{0});
  }
  auto sleep(Millis duration) {
    // The timespec must outlive submission: it lives in the awaiter, like every Op's state.
    return op([duration](io_uring_sqe* s, __kernel_timespec& ts) {
      ts.tv_sec = duration.count() / 1000;
      ts.tv_nsec = (duration.count() % 1000) * 1'000'000;
      io_uring_prep_timeout(s, &ts, 0, 0);
    }, Millis{0});
  }

  // Awaitable: runs fn (which may block: name resolution) on a thread of its own, then resumes the
  // awaiting coroutine back on this loop. fn must not throw.
  class OffLoop {
   public:
    OffLoop(Loop& loop, std::function<void()> fn) : loop_(loop), fn_(std::move(fn)) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h);
    void await_resume() const noexcept {}

   private:
    Loop& loop_;
    std::function<void()> fn_;
  };
  OffLoop off_loop(std::function<void()> fn) { return OffLoop(*this, std::move(fn)); }

  // Cancels every ring operation in flight: each awaiter resumes with -ECANCELED (-ETIMEDOUT for those with
  // a timeout). Operations submitted afterwards run normally. Call it on the loop's thread.
  void cancel_in_flight();

  // Runs fn on this loop's thread. Safe from any thread.
  void post(std::function<void()> fn);
  // Runs until request_stop() and every operation has completed.
  void run();
  // Safe from any thread.
  void request_stop();

  bool on_loop_thread() const noexcept { return std::this_thread::get_id() == thread_id_; }
  const RingFeatures& features() const noexcept { return features_; }
  // Registers buffers for the *_FIXED operations in free slots of the ring's sparse buffer table, and
  // returns the index of the first (the others follow it). nullopt when the kernel refuses (no sparse
  // tables, memlock limits, table full): the caller then uses the unregistered operations.
  std::optional<int> register_buffers(std::span<const iovec> buffers);
  // Empties slots a register_buffers call filled.
  void unregister_buffers(int first, unsigned count);

 private:
  template <class Prep>
  Op<Prep> op(Prep prep, Millis timeout) {
    return Op<Prep>(*this, prep, timeout);
  }
  // An SQE (and room for a linked timeout after it when `pair`), submitting first if the queue is full.
  io_uring_sqe* sqe_pair(bool pair);
  void arm_wakeup();
  void run_posted();

  io_uring ring_{};
  RingFeatures features_;
  std::thread::id thread_id_;
  unsigned in_flight_ = 0;

  // Slot ranges of the registered-buffer table not in use, as (first, count); empty when the kernel
  // gave us no sparse table.
  std::vector<std::pair<int, unsigned>> free_buffer_slots_;

  int wake_fd_ = -1;
  std::uint64_t wake_value_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  bool posted_locally_ = false;  // posted from this loop's own thread since run_posted() last ran
  std::vector<std::function<void()>> running_;
};

// A thread running one Loop; the loop lives and dies on that thread.
class LoopThread {
 public:
  LoopThread();
  ~LoopThread();  // stops the loop and joins
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  Loop& loop() noexcept { return *loop_; }

 private:
  Loop* loop_ = nullptr;
  std::thread thread_;
};

}  // namespace raws3::io
