// One event loop, owned by one thread, on one engine (io/engine.hpp): io_uring, or epoll where io_uring
// cannot run.
//
// Every socket and file operation is an operation awaited by a coroutine; the loop's thread is the only
// one that touches the engine (IORING_SETUP_SINGLE_ISSUER where the kernel has it). Other threads hand
// work to a loop with post(), which wakes it (an eventfd on both engines).
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "io/engine.hpp"

namespace raws3::io {

class Loop {
 public:
  // Sets up the engine; call it on the thread that will call run(). Throws raws3::Error naming what the
  // kernel refused. By default, io_uring where it can run the data path, else epoll.
  explicit Loop(Backend backend = uring_unavailable_reason().empty() ? Backend::Uring : Backend::Epoll,
                unsigned entries = 512);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // An awaitable operation. Awaiting it yields the result: >= 0 on success, -errno on failure; -ETIMEDOUT
  // when its timeout passed first.
  class Op {
   public:
    Op(Loop& loop, Operation op) : loop_(loop), op_(op) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      op_.waiter = h;
      loop_.engine_->submit(op_);
      ++loop_.in_flight_;
    }
    int await_resume() const noexcept {
      if (op_.kind != Operation::Kind::Sleep && op_.timeout.count() > 0 && op_.result == -ECANCELED)
        return -ETIMEDOUT;
      return op_.result;
    }

   private:
    Loop& loop_;
    Operation op_;  // the engine keeps a pointer to it until it hands it back
  };

  // A zero timeout means "no timeout". Buffers longer than kMaxTransfer are taken in part: the result
  // says how much.
  Op recv(int fd, std::span<std::byte> buf, Millis timeout) {
    return transfer(Operation::Kind::Recv, fd, buf.data(), buf.size(), 0, -1, timeout);
  }
  Op send(int fd, std::span<const std::byte> buf, Millis timeout) {
    return transfer(Operation::Kind::Send, fd, buf.data(), buf.size(), 0, -1, timeout);
  }
  Op sendmsg(int fd, const msghdr* msg, Millis timeout) {
    return Op(*this, {.kind = Operation::Kind::Sendmsg, .fd = fd, .msg = msg, .timeout = timeout});
  }
  // SENDMSG_ZC (features().send_zc): the kernel sends from msg's buffers instead of copying them. The
  // awaiter resumes only after the kernel's notification that it has let go of them, so they may be
  // reused as soon as the result is back. A plain sendmsg where the engine has no zero-copy send.
  Op sendmsg_zc(int fd, const msghdr* msg, Millis timeout) {
    return Op(*this, {.kind = Operation::Kind::SendmsgZc, .fd = fd, .msg = msg, .timeout = timeout});
  }
  Op connect(int fd, const sockaddr* addr, socklen_t len, Millis timeout) {
    return Op(*this, {.kind = Operation::Kind::Connect, .fd = fd, .address = addr, .address_length = len,
                      .timeout = timeout});
  }
  // offset: where in the file, or kCurrentPosition (a pipe, a terminal: the loop waits for it to be ready
  // instead of blocking).
  Op read(int fd, std::span<std::byte> buf, std::uint64_t offset) {
    return transfer(Operation::Kind::Read, fd, buf.data(), buf.size(), offset, -1, Millis{0});
  }
  Op write(int fd, std::span<const std::byte> buf, std::uint64_t offset) {
    return transfer(Operation::Kind::Write, fd, buf.data(), buf.size(), offset, -1, Millis{0});
  }
  // From and into buffers register_buffers registered: buf_index is the slot buf lies in.
  Op read_fixed(int fd, std::span<std::byte> buf, std::uint64_t offset, int buf_index) {
    return transfer(Operation::Kind::ReadFixed, fd, buf.data(), buf.size(), offset, buf_index, Millis{0});
  }
  Op write_fixed(int fd, std::span<const std::byte> buf, std::uint64_t offset, int buf_index) {
    return transfer(Operation::Kind::WriteFixed, fd, buf.data(), buf.size(), offset, buf_index, Millis{0});
  }
  // Yields -ETIME when it ran its course.
  Op sleep(Millis duration) { return Op(*this, {.kind = Operation::Kind::Sleep, .timeout = duration}); }

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

  // Cancels every operation in flight: each awaiter resumes with -ECANCELED (-ETIMEDOUT for those with a
  // timeout). Operations submitted afterwards run normally. Call it on the loop's thread.
  void cancel_in_flight() { engine_->cancel_all(); }

  // Runs fn on this loop's thread. Safe from any thread.
  void post(std::function<void()> fn);
  // Runs until request_stop() and every operation has completed.
  void run();
  // Safe from any thread.
  void request_stop();

  bool on_loop_thread() const noexcept { return std::this_thread::get_id() == thread_id_; }
  Backend backend() const noexcept { return backend_; }
  const RingFeatures& features() const noexcept { return engine_->features(); }
  // Registers buffers for the *_fixed operations in free slots of the ring's sparse buffer table, and
  // returns the index of the first (the others follow it). nullopt when the kernel refuses (no sparse
  // tables, memlock limits, table full) or the engine has no such table (epoll): the caller then uses
  // the unregistered operations.
  std::optional<int> register_buffers(std::span<const iovec> buffers) { return engine_->register_buffers(buffers); }
  // Empties slots a register_buffers call filled.
  void unregister_buffers(int first, unsigned count) { engine_->unregister_buffers(first, count); }

 private:
  Op transfer(Operation::Kind kind, int fd, const std::byte* data, std::size_t size, std::uint64_t offset,
              int buf_index, Millis timeout) {
    // Sends and writes only read from data: the one Operation field serves both directions.
    return Op(*this, {.kind = kind, .fd = fd, .data = const_cast<std::byte*>(data),
                      .length = std::uint32_t(std::min(size, kMaxTransfer)), .offset = offset,
                      .buffer_index = buf_index, .timeout = timeout});
  }
  void run_posted();
  // Queues fn and wakes the loop (unless called on it); posted_mutex_ held.
  void enqueue_locked(std::function<void()> fn);

  Backend backend_;
  std::unique_ptr<Engine> engine_;
  std::thread::id thread_id_;
  unsigned in_flight_ = 0;
  std::vector<Operation*> done_;

  std::atomic<bool> stop_{false};
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  bool posted_locally_ = false;  // posted from this loop's own thread since run_posted() last ran
  std::vector<std::function<void()>> running_;
};

// A thread running one Loop; the loop lives and dies on that thread.
class LoopThread {
 public:
  explicit LoopThread(Backend backend);
  ~LoopThread();  // stops the loop and joins
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  Loop& loop() noexcept { return *loop_; }

 private:
  Loop* loop_ = nullptr;
  std::thread thread_;
};

}  // namespace raws3::io
