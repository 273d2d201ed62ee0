// What a Loop runs on: io_uring where the kernel lets us have it, epoll everywhere else.
//
// An Engine carries out Operations and hands each one back, finished, from wait(); it never finishes one
// inside submit(), so an awaiter always resumes from Loop::run(), whichever engine runs it. An Engine
// belongs to one Loop and is touched only on that loop's thread, except wake().
#pragma once

#include <linux/time_types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "raws3/config.hpp"

namespace raws3::io {

using Millis = std::chrono::milliseconds;

// Size of each loop's registered-buffer table: slots, not bytes.
inline constexpr unsigned kRegisteredBufferSlots = 1024;

// The most one read, write, send or receive moves, as Linux caps it (MAX_RW_COUNT): results are ints,
// and io_uring's length fields are 32 bits wide. Callers loop on short results.
inline constexpr std::size_t kMaxTransfer = 0x7ffff000;

// The offset of a read or write that uses (and advances) the descriptor's own position: a pipe's only one.
inline constexpr std::uint64_t kCurrentPosition = ~std::uint64_t{0};

// What the kernel offered when the ring was set up, probed once. All false on epoll.
struct RingFeatures {
  bool single_issuer = false;
  bool defer_taskrun = false;
  bool coop_taskrun = false;
  bool send_zc = false;
  bool read_write_fixed = false;
};

// One socket or file operation, or a timer, living in its awaiter until it is handed back.
struct Operation {
  enum class Kind : std::uint8_t { Recv, Send, Sendmsg, SendmsgZc, Connect, Read, Write, ReadFixed, WriteFixed, Sleep };

  Kind kind = Kind::Sleep;
  int fd = -1;
  std::byte* data = nullptr;  // what recv/read fill, or what send/write take (never written to then)
  std::uint32_t length = 0;   // at most kMaxTransfer
  std::uint64_t offset = 0;   // reads and writes: kCurrentPosition, or where in the file
  int buffer_index = -1;      // *_fixed: the registered buffer data lies in
  const msghdr* msg = nullptr;
  const sockaddr* address = nullptr;
  socklen_t address_length = 0;
  // 0: none. Sleep: how long it sleeps. Anything else: it ends with -ECANCELED when this passes first.
  Millis timeout{0};

  std::coroutine_handle<> waiter{};
  int result = 0;  // >= 0 on success, -errno on failure

  // The engines' bookkeeping, kept here so that no operation allocates.
  __kernel_timespec timespec{};      // io_uring: the timeout, read when the ring takes the SQE
  Operation* next_waiter = nullptr;  // epoll: the descriptor's list of operations waiting to be ready
  Operation* prev_waiter = nullptr;
  bool waiting = false;              // epoll: on that list
  bool connecting = false;           // epoll: connect() returned EINPROGRESS
  std::size_t timer_slot = ~std::size_t{0};  // epoll: place in the timer heap
  std::chrono::steady_clock::time_point deadline{};
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Starts op. It comes back, finished, from a later wait().
  virtual void submit(Operation& op) = 0;
  // Ends every operation submitted and not handed back yet, with -ECANCELED (the kernel may still finish
  // one that is past cancelling). Operations submitted afterwards run normally.
  virtual void cancel_all() = 0;
  // Waits until an operation is finished or wake() was called; appends the finished operations to done.
  // Returns whether wake() was called.
  virtual bool wait(std::vector<Operation*>& done) = 0;
  // Makes the wait() in progress, or the next one, return. Safe from any thread.
  virtual void wake() noexcept = 0;

  virtual const RingFeatures& features() const noexcept = 0;
  // See Loop::register_buffers.
  virtual std::optional<int> register_buffers(std::span<const iovec> buffers) = 0;
  virtual void unregister_buffers(int first, unsigned count) = 0;
};

enum class Backend { Uring, Epoll };

// Each throws raws3::Error naming what the kernel refused.
std::unique_ptr<Engine> make_uring_engine(unsigned entries);
std::unique_ptr<Engine> make_epoll_engine();

// Why io_uring cannot run the data path in this process (setup refused, an opcode or cancel flag
// missing); empty when it can. Probed once per process, on first call.
const std::string& uring_unavailable_reason();

// The engine a client runs on, decided once from what it asked for.
struct EngineChoice {
  Backend backend = Backend::Uring;
  std::string name;             // "io_uring" or "epoll"
  std::string fallback_reason;  // why IoEngine::Auto did not get io_uring; empty otherwise
};
// Throws raws3::Error when io_uring is required and unavailable.
EngineChoice choose_engine(IoEngine requested);

}  // namespace raws3::io
