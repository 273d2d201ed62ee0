// TCP endpoints: name resolution (blocking, so never on a loop thread), the addresses a name has, and
// connecting to them through the ring.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "io/loop.hpp"
#include "io/task.hpp"
#include "raws3/error.hpp"

namespace raws3::io {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // "127.0.0.1:4580", "[::1]:9000": for error messages
};

// DNS answered that the name does not exist (or has no address): asking again would get the same answer,
// unlike a lookup that timed out or found no server, which is a plain NetworkError.
class UnknownHost final : public NetworkError {
 public:
  using NetworkError::NetworkError;
};

// Every address of host:port (getaddrinfo, blocking). Throws UnknownHost or raws3::NetworkError naming
// the host.
std::vector<SocketAddress> resolve(const std::string& host, std::uint16_t port);

// The addresses of one host:port, shared by every loop, which spread their connections over them round-robin.
// An answer is used for `ttl` (getaddrinfo tells no DNS TTL, so it is fixed: Tuning::dns_ttl_ms); a connect
// that finds it older starts a lookup on a thread of its own and goes on with the old answer meanwhile, so
// no request waits for DNS once the host has been resolved. A lookup that fails leaves the old answer in
// use for another ttl.
class AddressRing : public std::enable_shared_from_this<AddressRing> {
 public:
  using Lookup = std::function<std::vector<SocketAddress>(const std::string& host, std::uint16_t port)>;
  using Addresses = std::shared_ptr<const std::vector<SocketAddress>>;

  // Make it with std::make_shared: a lookup in the background holds it weakly. answer: not empty.
  AddressRing(std::string host, std::uint16_t port, std::vector<SocketAddress> answer, Millis ttl,
              Lookup lookup = resolve);

  // What a connect tries, in order: every address of the current answer, starting at the next in the
  // rotation. The snapshot stays valid however the answer changes meanwhile.
  struct Rotation {
    Addresses addresses;
    std::size_t first = 0;
    const SocketAddress& operator[](std::size_t i) const { return (*addresses)[(first + i) % addresses->size()]; }
    std::size_t size() const noexcept { return addresses->size(); }
  };
  Rotation rotation();

  // After every address failed to connect: the answer may be out of date, so the next rotation() looks
  // the name up again (in the background, as always).
  void expire() noexcept;

  const std::string& host() const noexcept { return host_; }
  std::uint16_t port() const noexcept { return port_; }
  // Lookups started so far (the first answer not counted).
  unsigned lookups() const noexcept { return lookups_.load(); }

 private:
  void start_lookup();  // with mutex_ held

  const std::string host_;
  const std::uint16_t port_;
  const Millis ttl_;
  const Lookup lookup_;
  std::mutex mutex_;
  Addresses addresses_;
  std::chrono::steady_clock::time_point expires_;
  bool looking_up_ = false;
  std::atomic<std::size_t> cursor_{0};
  std::atomic<unsigned> lookups_{0};
};

// A connect that failed, with the errno that says why (e.g. ECONNREFUSED, or ETIMEDOUT for the timeout).
class ConnectFailed : public NetworkError {
 public:
  ConnectFailed(const std::string& address, const std::string& cause, int error)
      : NetworkError("connect to " + address + ": " + cause), cause_(address + ": " + cause), error_(error) {}
  int error() const noexcept { return error_; }
  // "address: cause", for a message naming several attempts.
  const std::string& cause() const noexcept { return cause_; }

 private:
  std::string cause_;
  int error_;
};

// A connected TCP socket (TCP_NODELAY) or raws3::io::ConnectFailed naming the address and the cause.
Task<int> connect_tcp(Loop& loop, const SocketAddress& address, Millis timeout);

struct ConnectedSocket {
  int fd = -1;
  std::string peer;  // the address connected to, as SocketAddress::text
};

// Connects to one of ring's addresses, in its rotation: an address that refuses or cannot be reached gives
// way to the next. A timeout ends the walk (the connect timeout is what the attempt may take; a retry
// starts at the next address anyway). When no address took the connection, the ring's answer is expired
// and raws3::NetworkError names the host and every address tried with its cause.
Task<ConnectedSocket> connect_any(Loop& loop, AddressRing& ring, Millis timeout);

}  // namespace raws3::io
