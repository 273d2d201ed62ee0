// A connected byte stream on one loop: plain TCP or TLS over TCP. Every wait is bounded by the idle
// timeout: no progress for that long is an error.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "io/loop.hpp"
#include "io/task.hpp"
#include "raws3/error.hpp"

namespace raws3::io {

// No progress on a connection within its idle timeout. Unlike a reset or an early close, it does not show
// that the server dropped the connection before our request reached it: it may still be working on it.
class StreamTimeout final : public NetworkError {
 public:
  using NetworkError::NetworkError;
};

class Stream {
 public:
  Stream(Loop& loop, int fd, std::string peer, Millis idle_timeout);
  virtual ~Stream();  // closes the socket
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Receives at least one byte into dst; 0 means the peer closed the stream cleanly.
  virtual Task<std::size_t> read_some(std::span<std::byte> dst) = 0;
  // Sends all of first then all of second (a request head and its body, without joining them).
  virtual Task<void> write_all(std::span<const std::byte> first, std::span<const std::byte> second = {}) = 0;
  // Whether the end read_some reported was the peer's own word: TLS's close_notify rather than a TCP close
  // anyone on the path could have made. Plain TCP cannot tell the two apart, and says true.
  virtual bool end_authenticated() const noexcept { return true; }

  Loop& loop() const noexcept { return loop_; }
  const std::string& peer() const noexcept { return peer_; }
  void set_idle_timeout(Millis t) noexcept { idle_timeout_ = t; }
  // Bodies of at least this many bytes go out with SENDMSG_ZC where the ring has it; 0: never.
  void set_zero_copy_min(std::size_t bytes) noexcept { zero_copy_min_ = bytes; }

 protected:
  // Throws raws3::NetworkError naming the peer and what failed, from a negative CQE result.
  [[noreturn]] void fail(const char* what, int negative_errno) const;
  // The raw socket operations both kinds of stream are built on.
  Task<std::size_t> recv_raw(std::span<std::byte> dst);
  Task<void> send_raw(std::span<const std::byte> first, std::span<const std::byte> second);

  Loop& loop_;
  int fd_;
  std::string peer_;
  Millis idle_timeout_;
  std::size_t zero_copy_min_ = 0;
};

class PlainStream final : public Stream {
 public:
  using Stream::Stream;
  Task<std::size_t> read_some(std::span<std::byte> dst) override { return recv_raw(dst); }
  Task<void> write_all(std::span<const std::byte> first, std::span<const std::byte> second) override {
    return send_raw(first, second);
  }
};

}  // namespace raws3::io
