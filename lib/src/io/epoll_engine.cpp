// The epoll engine, for where io_uring cannot run: each operation first tries its system call at once,
// without blocking; one that would block waits on its descriptor's list until epoll says the descriptor
// is ready, then tries again. Timeouts and sleeps are a heap of deadlines that bounds epoll_wait.
//
// Descriptors are registered edge-triggered for both directions, once per open file: a registration
// vanishes when its file is closed, so every first wait adds it again (EEXIST: it was still there).
// Readiness that came before a wait is not missed, since an operation tries before it waits.
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include "io/engine.hpp"
#include "raws3/error.hpp"

namespace raws3::io {

namespace {

using Clock = std::chrono::steady_clock;
using Kind = Operation::Kind;

constexpr std::uint64_t kWakeKey = ~std::uint64_t{0};
constexpr std::size_t kNoTimer = ~std::size_t{0};

// Which readiness an operation that would block waits for.
bool waits_to_read(Kind kind) { return kind == Kind::Recv || kind == Kind::Read || kind == Kind::ReadFixed; }

// Whether a descriptor whose blocking mode is the caller's (a pipe, a terminal, stdin) can be read or
// written now without blocking. Regular files always can.
bool ready_now(int fd, short events) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, 0) != 0;  // an error or POLLNVAL too: the system call then reports it
}

class EpollEngine final : public Engine {
 public:
  EpollEngine() {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw Error(std::string("epoll_create1: ") + std::strerror(errno));
    // Non-blocking: an edge may outlive the count it announced (read with an earlier edge's).
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = kWakeKey;
    if (wake_fd_ < 0 || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) < 0) {
      const int err = errno;
      if (wake_fd_ >= 0) ::close(wake_fd_);
      ::close(epoll_fd_);
      throw Error(std::string("eventfd: ") + std::strerror(err));
    }
    done_.reserve(256);
  }

  ~EpollEngine() override {
    ::close(wake_fd_);
    ::close(epoll_fd_);
  }

  void submit(Operation& op) override {
    if (op.kind != Kind::Sleep) {
      if (attempt(op) || !start_waiting(op)) {
        done_.push_back(&op);
        return;
      }
      if (op.timeout.count() == 0) return;
    }
    arm_timer(op);
  }

  void cancel_all() override {
    for (Waiters& w : fds_)
      for (Operation** list : {&w.readers, &w.writers})
        while (*list) finish(**list, -ECANCELED);
    while (!timers_.empty()) finish(*timers_.front(), -ECANCELED);  // the sleeps
  }

  bool wait(std::vector<Operation*>& done) override {
    int timeout_ms = -1;
    if (!done_.empty()) {
      timeout_ms = 0;
    } else if (!timers_.empty()) {
      const auto left = timers_.front()->deadline - Clock::now();
      // Rounded up: waking before the deadline would only mean waiting again.
      const auto ms = std::chrono::ceil<Millis>(left).count();
      timeout_ms = int(std::clamp<decltype(ms)>(ms, 0, INT_MAX));
    }
    const int n = ::epoll_wait(epoll_fd_, events_.data(), int(events_.size()), timeout_ms);
    if (n < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "epoll_wait");
    bool woken = false;
    for (int i = 0; i < n; ++i) {
      const epoll_event& e = events_[std::size_t(i)];
      if (e.data.u64 == kWakeKey) {
        std::uint64_t count;
        [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
        woken = true;
        continue;
      }
      const std::size_t fd = std::size_t(e.data.u64);
      if (fd >= fds_.size()) continue;
      if (e.events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) retry(fds_[fd].readers);
      if (e.events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) retry(fds_[fd].writers);
    }
    if (!timers_.empty()) {
      const Clock::time_point now = Clock::now();
      while (!timers_.empty() && timers_.front()->deadline <= now) {
        Operation& op = *timers_.front();
        finish(op, op.kind == Kind::Sleep ? -ETIME : -ECANCELED);
      }
    }
    done.insert(done.end(), done_.begin(), done_.end());
    done_.clear();
    return woken;
  }

  void wake() noexcept override {
    const std::uint64_t one = 1;
    // A failed eventfd write means the counter is saturated: the loop is awake already.
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  const RingFeatures& features() const noexcept override { return features_; }
  std::optional<int> register_buffers(std::span<const iovec>) override { return std::nullopt; }
  void unregister_buffers(int, unsigned) override {}

 private:
  struct Waiters {
    Operation* readers = nullptr;
    Operation* writers = nullptr;
  };

  // Runs op's system call if it can finish now: true with op.result set, false when it must wait.
  bool attempt(Operation& op) {
    for (;;) {
      ssize_t n = -1;
      switch (op.kind) {
        case Kind::Recv: n = ::recv(op.fd, op.data, op.length, MSG_DONTWAIT); break;
        case Kind::Send: n = ::send(op.fd, op.data, op.length, MSG_DONTWAIT | MSG_NOSIGNAL); break;
        case Kind::Sendmsg:
        case Kind::SendmsgZc: n = ::sendmsg(op.fd, op.msg, MSG_DONTWAIT | MSG_NOSIGNAL); break;
        case Kind::Connect: return connect_step(op);
        case Kind::Read:
        case Kind::ReadFixed:
          if (op.offset != kCurrentPosition)
            n = ::pread(op.fd, op.data, op.length, off_t(op.offset));
          else if (!ready_now(op.fd, POLLIN))
            return false;
          else
            n = ::read(op.fd, op.data, op.length);
          break;
        case Kind::Write:
        case Kind::WriteFixed:
          if (op.offset != kCurrentPosition)
            n = ::pwrite(op.fd, op.data, op.length, off_t(op.offset));
          else if (!ready_now(op.fd, POLLOUT))
            return false;
          else
            n = ::write(op.fd, op.data, stream_write_length(op));
          break;
        case Kind::Sleep: return false;
      }
      if (n >= 0) {
        op.result = int(n);
        return true;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      op.result = -errno;
      return true;
    }
  }

  // A pipe or socket that polls writable takes PIPE_BUF bytes without blocking, but may block on more;
  // a file takes everything.
  static std::size_t stream_write_length(const Operation& op) {
    struct stat st{};
    if (::fstat(op.fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) return op.length;
    return std::min<std::size_t>(op.length, PIPE_BUF);
  }

  bool connect_step(Operation& op) {
    if (!op.connecting) {
      // The socket is the loop's own (io/socket.cpp made it for this connect): it may stay non-blocking.
      const int flags = ::fcntl(op.fd, F_GETFL);
      if (flags >= 0 && !(flags & O_NONBLOCK)) ::fcntl(op.fd, F_SETFL, flags | O_NONBLOCK);
      if (::connect(op.fd, op.address, op.address_length) == 0) {
        op.result = 0;
        return true;
      }
      if (errno != EINPROGRESS && errno != EINTR && errno != EAGAIN) {
        op.result = -errno;
        return true;
      }
      op.connecting = true;
      return false;
    }
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(op.fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) error = errno;
    if (error == 0) {
      // No error yet, and not connected yet: still under way.
      sockaddr_storage peer;
      socklen_t peer_length = sizeof peer;
      if (::getpeername(op.fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) < 0) {
        if (errno == ENOTCONN) return false;
        error = errno;
      }
    }
    op.result = -error;
    return true;
  }

  Operation*& list_of(const Operation& op) {
    Waiters& w = fds_[std::size_t(op.fd)];
    return waits_to_read(op.kind) ? w.readers : w.writers;
  }

  // Puts op on its descriptor's list, registering the descriptor; false with op.result set when epoll
  // cannot watch it.
  bool start_waiting(Operation& op) {
    if (op.fd < 0) {
      op.result = -EBADF;
      return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = std::uint64_t(op.fd);
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, op.fd, &ev) < 0 && errno != EEXIST) {
      op.result = -errno;
      return false;
    }
    if (std::size_t(op.fd) >= fds_.size()) fds_.resize(std::size_t(op.fd) + 1);
    link(op);
    return true;
  }

  void link(Operation& op) {
    Operation*& head = list_of(op);
    op.prev_waiter = nullptr;
    op.next_waiter = head;
    if (head) head->prev_waiter = &op;
    head = &op;
    op.waiting = true;
  }

  void unlink(Operation& op) {
    if (op.prev_waiter)
      op.prev_waiter->next_waiter = op.next_waiter;
    else
      list_of(op) = op.next_waiter;
    if (op.next_waiter) op.next_waiter->prev_waiter = op.prev_waiter;
    op.next_waiter = op.prev_waiter = nullptr;
    op.waiting = false;
  }

  // The descriptor is ready: every operation on the list tries again; the ones that still would block
  // wait on (the descriptor is registered: it just reported).
  void retry(Operation*& head) {
    Operation* op = std::exchange(head, nullptr);
    while (op) {
      Operation* next = op->next_waiter;
      op->waiting = false;
      if (attempt(*op)) {
        disarm_timer(*op);
        done_.push_back(op);
      } else {
        link(*op);
      }
      op = next;
    }
  }

  // Ends op, waiting or sleeping, with result.
  void finish(Operation& op, int result) {
    if (op.waiting) unlink(op);
    disarm_timer(op);
    op.result = result;
    done_.push_back(&op);
  }

  // The timer heap: a binary min-heap on deadline, each operation knowing its slot.
  void arm_timer(Operation& op) {
    op.deadline = Clock::now() + op.timeout;
    op.timer_slot = timers_.size();
    timers_.push_back(&op);
    sift_up(op.timer_slot);
  }

  void disarm_timer(Operation& op) {
    const std::size_t slot = op.timer_slot;
    if (slot == kNoTimer) return;
    op.timer_slot = kNoTimer;
    Operation* last = timers_.back();
    timers_.pop_back();
    if (slot == timers_.size()) return;
    place(slot, last);
    sift_up(slot);
    sift_down(last->timer_slot);
  }

  void place(std::size_t slot, Operation* op) {
    timers_[slot] = op;
    op->timer_slot = slot;
  }

  void sift_up(std::size_t slot) {
    Operation* op = timers_[slot];
    while (slot > 0) {
      const std::size_t parent = (slot - 1) / 2;
      if (timers_[parent]->deadline <= op->deadline) break;
      place(slot, timers_[parent]);
      slot = parent;
    }
    place(slot, op);
  }

  void sift_down(std::size_t slot) {
    Operation* op = timers_[slot];
    for (;;) {
      std::size_t child = 2 * slot + 1;
      if (child >= timers_.size()) break;
      if (child + 1 < timers_.size() && timers_[child + 1]->deadline < timers_[child]->deadline) ++child;
      if (op->deadline <= timers_[child]->deadline) break;
      place(slot, timers_[child]);
      slot = child;
    }
    place(slot, op);
  }

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  RingFeatures features_;
  std::vector<Waiters> fds_;        // by descriptor
  std::vector<Operation*> timers_;  // min-heap on deadline
  std::vector<Operation*> done_;    // finished, not handed back yet
  std::array<epoll_event, 256> events_{};
};

}  // namespace

std::unique_ptr<Engine> make_epoll_engine() { return std::make_unique<EpollEngine>(); }

}  // namespace raws3::io
