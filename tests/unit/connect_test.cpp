// A pool's new connections: an address that refuses gives way to the host's next one, and a host none of
// whose addresses take the connection fails naming every one tried.
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "http/pool.hpp"
#include "io/loop.hpp"
#include "raws3/error.hpp"

using namespace raws3;

namespace {

io::SocketAddress ipv4(const char* ip, std::uint16_t port) {
  io::SocketAddress a;
  auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(port);
  ::inet_pton(AF_INET, ip, &in->sin_addr);
  a.length = sizeof(sockaddr_in);
  a.text = std::string(ip) + ":" + std::to_string(port);
  return a;
}

// Listens on 127.0.0.1 only: the same port on 127.0.0.2 refuses. Connections wait in the backlog.
struct Listener {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  std::uint16_t port = 0;
  Listener() {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&in), sizeof in) == 0);
    REQUIRE(::listen(fd, 16) == 0);
    socklen_t len = sizeof in;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&in), &len);
    port = ntohs(in.sin_port);
  }
  ~Listener() { ::close(fd); }
};

std::shared_ptr<io::AddressRing> ring_of(std::vector<io::SocketAddress> addresses) {
  // Looking "multi.test" up again would ask a real DNS server: the same answer instead.
  return std::make_shared<io::AddressRing>("multi.test", 80, addresses,
                                           io::Millis(3'600'000),
                                           [addresses](const std::string&, std::uint16_t) { return addresses; });
}

// Opens `count` connections at once (each a new connect) and returns the peers they reached, or the error.
std::vector<std::string> connect_many(http::ConnectionPool& pool, io::Loop& loop, int count, std::string& error) {
  std::vector<std::string> peers;
  io::spawn([](http::ConnectionPool& pool, int count, std::vector<std::string>& peers,
               std::string& error) -> io::Task<void> {
    std::vector<http::PooledConnection> held;
    try {
      for (int i = 0; i < count; ++i) {
        held.push_back(co_await pool.acquire());
        peers.push_back(held.back()->stream().peer());
      }
    } catch (const NetworkError& e) {
      error = e.what();
    }
  }(pool, count, peers, error), [&](std::exception_ptr) { loop.request_stop(); });
  loop.run();
  return peers;
}

}  // namespace

TEST_CASE("a refused connect tries the host's next address", "[http][dns]") {
  Listener listener;
  io::Loop loop;
  // Whichever address the rotation starts at, every connect lands on the listening one.
  auto ring = ring_of({ipv4("127.0.0.2", listener.port), ipv4("127.0.0.1", listener.port)});
  http::ConnectionPool pool(loop, "multi.test", ring, nullptr, http::PoolOptions{});
  std::string error;
  const std::vector<std::string> peers = connect_many(pool, loop, 4, error);
  CHECK(error.empty());
  CHECK(peers == std::vector<std::string>(4, "127.0.0.1:" + std::to_string(listener.port)));
  CHECK(ring->lookups() == 0);  // nothing failed for good: the answer stands
}

TEST_CASE("a host none of whose addresses connect fails naming each one, and is looked up again",
          "[http][dns]") {
  Listener listener;
  io::Loop loop;
  const std::string port = std::to_string(listener.port);
  auto ring = ring_of({ipv4("127.0.0.2", listener.port), ipv4("127.0.0.3", listener.port)});
  http::ConnectionPool pool(loop, "multi.test", ring, nullptr, http::PoolOptions{});
  std::string error;
  CHECK(connect_many(pool, loop, 1, error).empty());
  CHECK(error == "connect to multi.test (2 addresses) failed: 127.0.0.2:" + port + ": Connection refused; 127.0.0.3:" +
                     port + ": Connection refused");
  CHECK(pool.open_connections() == 0);
  ring->rotation();
  CHECK(ring->lookups() == 1);
}
