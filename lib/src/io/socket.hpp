// TCP endpoints: name resolution (blocking, so never on a loop thread) and connecting through the ring.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/loop.hpp"
#include "io/task.hpp"

namespace raws3::io {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // "127.0.0.1:4580", "[::1]:9000": for error messages
};

// Every address of host:port (getaddrinfo, blocking). Throws raws3::NetworkError naming the host.
std::vector<SocketAddress> resolve(const std::string& host, std::uint16_t port);

// The addresses of one endpoint, resolved once and used round-robin by every loop.
class AddressRing {
 public:
  explicit AddressRing(std::vector<SocketAddress> addresses) : addresses_(std::move(addresses)) {}
  const SocketAddress& next() noexcept {
    return addresses_[cursor_.fetch_add(1, std::memory_order_relaxed) % addresses_.size()];
  }

 private:
  std::vector<SocketAddress> addresses_;
  std::atomic<std::size_t> cursor_{0};
};

// A connected TCP socket (TCP_NODELAY) or raws3::NetworkError naming the address and the cause.
Task<int> connect_tcp(Loop& loop, const SocketAddress& address, Millis timeout);

}  // namespace raws3::io
