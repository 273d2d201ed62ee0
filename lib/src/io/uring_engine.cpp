// The io_uring engine: each Operation is one SQE (two with a linked timeout), handed back from its CQE.
#include <liburing.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <system_error>

#include "io/engine.hpp"
#include "raws3/error.hpp"

namespace raws3::io {

namespace {

constexpr std::uint64_t kIgnored = 0;
constexpr std::uint64_t kWakeup = 1;

// The strongest setup the kernel accepts: SINGLE_ISSUER|DEFER_TASKRUN keeps completion work on our own
// thread at our own time; COOP_TASKRUN saves the interrupt on older kernels; plain works everywhere.
// Returns 0 or -errno.
int init_ring(io_uring& ring, unsigned entries, RingFeatures& features) {
  struct Attempt {
    unsigned flags;
    RingFeatures features;
  };
  const Attempt attempts[] = {
      {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, {true, true, false, false, false}},
      {IORING_SETUP_COOP_TASKRUN, {false, false, true, false, false}},
      {0, {}},
  };
  int rc = -ENOSYS;
  for (const Attempt& a : attempts) {
    io_uring_params params{};
    params.flags = a.flags;
    rc = io_uring_queue_init_params(entries, &ring, &params);
    if (rc == 0) {
      features = a.features;
      if (io_uring_probe* probe = io_uring_get_probe_ring(&ring)) {
        features.send_zc = io_uring_opcode_supported(probe, IORING_OP_SENDMSG_ZC);
        features.read_write_fixed = io_uring_opcode_supported(probe, IORING_OP_READ_FIXED) &&
                                    io_uring_opcode_supported(probe, IORING_OP_WRITE_FIXED);
        io_uring_free_probe(probe);
      }
      return 0;
    }
  }
  return rc;
}

// Why a ring set up as init_ring does cannot carry the data path; empty when it can.
std::string probe_uring() {
  io_uring ring;
  RingFeatures features;
  if (int rc = init_ring(ring, 8, features); rc < 0) return std::string("io_uring_setup: ") + std::strerror(-rc);
  std::string why;
  if (io_uring_probe* probe = io_uring_get_probe_ring(&ring)) {
    static constexpr struct {
      io_uring_op op;
      const char* name;
    } kNeeded[] = {
        {IORING_OP_RECV, "RECV"},         {IORING_OP_SEND, "SEND"},
        {IORING_OP_SENDMSG, "SENDMSG"},   {IORING_OP_CONNECT, "CONNECT"},
        {IORING_OP_READ, "READ"},         {IORING_OP_WRITE, "WRITE"},
        {IORING_OP_TIMEOUT, "TIMEOUT"},   {IORING_OP_LINK_TIMEOUT, "LINK_TIMEOUT"},
        {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"},
    };
    for (const auto& needed : kNeeded)
      if (!io_uring_opcode_supported(probe, needed.op)) {
        why = std::string("the kernel's io_uring lacks IORING_OP_") + needed.name;
        break;
      }
    io_uring_free_probe(probe);
  } else {
    why = "the kernel's io_uring has no opcode probe (Linux 5.6 or later needed)";
  }
  if (why.empty()) {
    // cancel_in_flight's flags arrived in Linux 5.19; an older kernel refuses them with EINVAL, and a
    // client could then not stop what it has in flight. With nothing in flight the answer is 0 (or ENOENT).
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
    io_uring_cqe* cqe = nullptr;
    int rc = io_uring_submit_and_wait(&ring, 1);
    if (rc >= 0) rc = io_uring_peek_cqe(&ring, &cqe);
    if (rc < 0)
      why = std::string("io_uring_enter: ") + std::strerror(-rc);
    else if (cqe->res < 0 && cqe->res != -ENOENT)
      why = std::string("the kernel's io_uring refuses IORING_ASYNC_CANCEL_ANY (Linux 5.19 or later needed): ") +
            std::strerror(-cqe->res);
  }
  io_uring_queue_exit(&ring);
  return why;
}

class UringEngine final : public Engine {
 public:
  explicit UringEngine(unsigned entries) {
    if (int rc = init_ring(ring_, entries, features_); rc < 0)
      throw Error(std::string("io_uring unavailable: io_uring_setup: ") + std::strerror(-rc));
    // A forked child (a DataLoader worker) must not share the parent's rings: it makes loops of its own.
    io_uring_ring_dontfork(&ring_);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) {
      const int err = errno;
      io_uring_queue_exit(&ring_);
      throw Error(std::string("eventfd: ") + std::strerror(err));
    }
    arm_wakeup();
    // Every pool of every layer registers into this one table: a ring takes one registration only.
    if (io_uring_register_buffers_sparse(&ring_, kRegisteredBufferSlots) == 0)
      free_buffer_slots_.emplace_back(0, kRegisteredBufferSlots);
  }

  ~UringEngine() override {
    io_uring_queue_exit(&ring_);
    ::close(wake_fd_);
  }

  void submit(Operation& op) override {
    using Kind = Operation::Kind;
    const bool linked_timeout = op.kind != Kind::Sleep && op.timeout.count() > 0;
    io_uring_sqe* sqe = sqe_pair(linked_timeout);
    switch (op.kind) {
      case Kind::Recv: io_uring_prep_recv(sqe, op.fd, op.data, op.length, 0); break;
      case Kind::Send: io_uring_prep_send(sqe, op.fd, op.data, op.length, MSG_NOSIGNAL); break;
      case Kind::Sendmsg: io_uring_prep_sendmsg(sqe, op.fd, op.msg, MSG_NOSIGNAL); break;
      case Kind::SendmsgZc: io_uring_prep_sendmsg_zc(sqe, op.fd, op.msg, MSG_NOSIGNAL); break;
      case Kind::Connect: io_uring_prep_connect(sqe, op.fd, op.address, op.address_length); break;
      case Kind::Read: io_uring_prep_read(sqe, op.fd, op.data, op.length, op.offset); break;
      case Kind::Write: io_uring_prep_write(sqe, op.fd, op.data, op.length, op.offset); break;
      case Kind::ReadFixed:
        io_uring_prep_read_fixed(sqe, op.fd, op.data, op.length, op.offset, op.buffer_index);
        break;
      case Kind::WriteFixed:
        io_uring_prep_write_fixed(sqe, op.fd, op.data, op.length, op.offset, op.buffer_index);
        break;
      case Kind::Sleep:
        set_timespec(op);
        io_uring_prep_timeout(sqe, &op.timespec, 0, 0);
        break;
    }
    io_uring_sqe_set_data(sqe, &op);
    if (linked_timeout) {
      sqe->flags |= IOSQE_IO_LINK;
      set_timespec(op);
      io_uring_sqe* t = io_uring_get_sqe(&ring_);
      io_uring_prep_link_timeout(t, &op.timespec, 0);
      io_uring_sqe_set_data64(t, kIgnored);
    }
  }

  void cancel_all() override {
    io_uring_sqe* sqe = sqe_pair(false);
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, kIgnored);
    // Submitted now, so that it reaches only what is already in flight, not what its caller submits next.
    io_uring_submit(&ring_);
    // The wakeup read is among the cancelled: wait() re-arms it when its completion arrives.
  }

  bool wait(std::vector<Operation*>& done) override {
    int rc = io_uring_submit_and_wait(&ring_, 1);
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
      throw std::system_error(-rc, std::generic_category(), "io_uring_submit_and_wait");
    bool woken = false;
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      if (cqe->user_data == kIgnored) continue;
      if (cqe->user_data == kWakeup) {
        woken = true;
        continue;
      }
      auto* op = reinterpret_cast<Operation*>(cqe->user_data);
      // A zero-copy send completes twice: its result (flagged MORE), then the notification that the
      // kernel let go of the buffer. Its awaiter waits for the second.
      if (!(cqe->flags & IORING_CQE_F_NOTIF)) op->result = cqe->res;
      if (cqe->flags & IORING_CQE_F_MORE) continue;
      done.push_back(op);
    }
    io_uring_cq_advance(&ring_, seen);
    if (woken) arm_wakeup();
    return woken;
  }

  void wake() noexcept override {
    const std::uint64_t one = 1;
    // A failed eventfd write means the counter is saturated: the loop is awake already.
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  const RingFeatures& features() const noexcept override { return features_; }

  std::optional<int> register_buffers(std::span<const iovec> buffers) override {
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

  void unregister_buffers(int first, unsigned count) override {
    // An empty iovec clears a slot.
    std::vector<iovec> empty(count, iovec{nullptr, 0});
    io_uring_register_buffers_update_tag(&ring_, unsigned(first), empty.data(), nullptr, count);
    free_buffer_slots_.emplace_back(first, count);
  }

 private:
  static void set_timespec(Operation& op) {
    op.timespec.tv_sec = op.timeout.count() / 1000;
    op.timespec.tv_nsec = (op.timeout.count() % 1000) * 1'000'000;
  }

  // An SQE (and room for a linked timeout after it when `pair`), submitting first if the queue is full.
  io_uring_sqe* sqe_pair(bool pair) {
    const unsigned need = pair ? 2 : 1;
    if (io_uring_sq_space_left(&ring_) < need) io_uring_submit(&ring_);
    return io_uring_get_sqe(&ring_);
  }

  void arm_wakeup() {
    io_uring_sqe* sqe = sqe_pair(false);
    io_uring_prep_read(sqe, wake_fd_, &wake_value_, sizeof wake_value_, 0);
    io_uring_sqe_set_data64(sqe, kWakeup);
  }

  io_uring ring_{};
  RingFeatures features_;
  int wake_fd_ = -1;
  std::uint64_t wake_value_ = 0;
  // Slot ranges of the registered-buffer table not in use, as (first, count); empty when the kernel
  // gave us no sparse table.
  std::vector<std::pair<int, unsigned>> free_buffer_slots_;
};

}  // namespace

std::unique_ptr<Engine> make_uring_engine(unsigned entries) { return std::make_unique<UringEngine>(entries); }

const std::string& uring_unavailable_reason() {
  static const std::string why = probe_uring();
  return why;
}

}  // namespace raws3::io
