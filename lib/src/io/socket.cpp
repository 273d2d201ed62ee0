#include "io/socket.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "io/stream.hpp"
#include "raws3/error.hpp"

namespace raws3::io {

namespace {

std::string address_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    // Built by appending: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string here.
    std::string text = "[";
    text.append(buf).append("]:").append(std::to_string(ntohs(in6->sin6_port)));
    return text;
  }
  auto* in4 = reinterpret_cast<const sockaddr_in*>(sa);
  inet_ntop(AF_INET, &in4->sin_addr, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(ntohs(in4->sin_port));
}

}  // namespace

std::vector<SocketAddress> resolve(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_FAIL)
    throw UnknownHost("cannot resolve host '" + host + "': " + gai_strerror(rc));
  if (rc != 0) throw NetworkError("cannot resolve host '" + host + "': " + gai_strerror(rc));
  std::vector<SocketAddress> out;
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    SocketAddress a;
    std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
    a.length = ai->ai_addrlen;
    a.text = address_text(ai->ai_addr);
    out.push_back(std::move(a));
  }
  ::freeaddrinfo(found);
  if (out.empty()) throw UnknownHost("cannot resolve host '" + host + "': no addresses");
  return out;
}

AddressRing::AddressRing(std::string host, std::uint16_t port, std::vector<SocketAddress> answer, Millis ttl,
                         Lookup lookup)
    : host_(std::move(host)),
      port_(port),
      ttl_(ttl),
      lookup_(std::move(lookup)),
      addresses_(std::make_shared<const std::vector<SocketAddress>>(std::move(answer))),
      expires_(std::chrono::steady_clock::now() + ttl) {}

AddressRing::Rotation AddressRing::rotation() {
  std::lock_guard lock(mutex_);
  if (!looking_up_ && std::chrono::steady_clock::now() >= expires_) start_lookup();
  return {addresses_, cursor_.fetch_add(1, std::memory_order_relaxed) % addresses_->size()};
}

void AddressRing::expire() noexcept {
  std::lock_guard lock(mutex_);
  expires_ = std::chrono::steady_clock::time_point::min();
}

void AddressRing::start_lookup() {
  looking_up_ = true;
  lookups_.fetch_add(1);
  // Detached, holding the ring weakly: a client going away never waits for a slow DNS server, and a lookup
  // that outlives its ring only drops its answer.
  std::thread([weak = weak_from_this(), host = host_, port = port_, lookup = lookup_] {
    std::vector<SocketAddress> answer;
    try {
      answer = lookup(host, port);
    } catch (...) {
      // The old answer stays: it is the best there is.
    }
    const auto ring = weak.lock();
    if (!ring) return;
    std::lock_guard lock(ring->mutex_);
    if (!answer.empty()) ring->addresses_ = std::make_shared<const std::vector<SocketAddress>>(std::move(answer));
    ring->expires_ = std::chrono::steady_clock::now() + ring->ttl_;
    ring->looking_up_ = false;
  }).detach();
}

Task<int> connect_tcp(Loop& loop, const SocketAddress& address, Millis timeout) {
  int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ConnectFailed(address.text, "socket(): " + std::string(std::strerror(errno)), errno);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int rc = co_await loop.connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length,
                                 timeout);
  if (rc < 0) {
    ::close(fd);
    if (rc == -ETIMEDOUT)
      throw ConnectFailed(address.text, "timed out after " + std::to_string(timeout.count()) + " ms", ETIMEDOUT);
    throw ConnectFailed(address.text, std::strerror(-rc), -rc);
  }
  co_return fd;
}

namespace {

// The address, not the host, is at fault: another of the host's addresses may well take the connection.
bool next_address_may_do(int error) {
  switch (error) {
    case ECONNREFUSED:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EHOSTDOWN:
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
      return true;
    default:
      return false;
  }
}

}  // namespace

Task<ConnectedSocket> connect_any(Loop& loop, AddressRing& ring, Millis timeout) {
  const AddressRing::Rotation rotation = ring.rotation();
  std::string tried;
  for (std::size_t i = 0; i < rotation.size(); ++i) {
    const SocketAddress& address = rotation[i];
    try {
      const int fd = co_await connect_tcp(loop, address, timeout);
      co_return ConnectedSocket{fd, address.text};
    } catch (const ConnectFailed& e) {
      if (rotation.size() == 1) {
        ring.expire();
        throw;
      }
      tried += (tried.empty() ? "" : "; ") + e.cause();
      if (!next_address_may_do(e.error())) break;
    }
  }
  ring.expire();
  throw NetworkError("connect to " + ring.host() + " (" + std::to_string(rotation.size()) +
                     " addresses) failed: " + tried);
}

}  // namespace raws3::io
