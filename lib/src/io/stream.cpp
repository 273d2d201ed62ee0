#include "io/stream.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace raws3::io {

Stream::Stream(Loop& loop, int fd, std::string peer, Millis idle_timeout)
    : loop_(loop), fd_(fd), peer_(std::move(peer)), idle_timeout_(idle_timeout) {}

Stream::~Stream() { ::close(fd_); }

void Stream::fail(const char* what, int negative_errno) const {
  if (negative_errno == -ETIMEDOUT)
    throw StreamTimeout(std::string(what) + " " + peer_ + ": no progress for " +
                       std::to_string(idle_timeout_.count()) + " ms (timeout)");
  throw NetworkError(std::string(what) + " " + peer_ + ": " + std::strerror(-negative_errno));
}

Task<std::size_t> Stream::recv_raw(std::span<std::byte> dst) {
  for (;;) {
    int n = co_await loop_.recv(fd_, dst, idle_timeout_);
    if (n >= 0) co_return std::size_t(n);
    if (n != -EINTR && n != -EAGAIN) fail("receive from", n);
  }
}

Task<void> Stream::send_raw(std::span<const std::byte> first, std::span<const std::byte> second) {
  const bool zero_copy = zero_copy_min_ > 0 && second.size() >= zero_copy_min_ && loop_.features().send_zc;
  while (!first.empty() || !second.empty()) {
    int n;
    if (second.empty()) {
      n = co_await loop_.send(fd_, first, idle_timeout_);
    } else {
      iovec iov[2] = {{const_cast<std::byte*>(first.data()), first.size()},
                      {const_cast<std::byte*>(second.data()), second.size()}};
      msghdr msg{};
      msg.msg_iov = first.empty() ? iov + 1 : iov;
      msg.msg_iovlen = first.empty() ? 1 : 2;
      n = zero_copy ? co_await loop_.sendmsg_zc(fd_, &msg, idle_timeout_)
                    : co_await loop_.sendmsg(fd_, &msg, idle_timeout_);
    }
    if (n < 0) {
      if (n == -EINTR || n == -EAGAIN) continue;
      fail("send to", n);
    }
    std::size_t sent = std::size_t(n);
    std::size_t from_first = std::min(sent, first.size());
    first = first.subspan(from_first);
    second = second.subspan(sent - from_first);
  }
}

}  // namespace raws3::io
