// A host's addresses: used round-robin, looked up again in the background once older than their TTL,
// never lost to a failed lookup, and the walk past an address that refuses.
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "io/socket.hpp"

using namespace raws3;
using namespace std::chrono_literals;

namespace {

io::SocketAddress loopback(std::uint16_t port, const char* ip = "127.0.0.1") {
  io::SocketAddress a;
  auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(port);
  ::inet_pton(AF_INET, ip, &in->sin_addr);
  a.length = sizeof(sockaddr_in);
  a.text = std::string(ip) + ":" + std::to_string(port);
  return a;
}

std::vector<std::string> texts(const io::AddressRing::Rotation& r) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < r.size(); ++i) out.push_back(r[i].text);
  return out;
}

// A lookup the test answers: each call waits for `release`, then returns `answer` (or throws when empty).
struct ScriptedLookup {
  std::vector<io::SocketAddress> answer;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> finished{0};
};

io::AddressRing::Lookup scripted(std::shared_ptr<ScriptedLookup> script) {
  return [script](const std::string& host, std::uint16_t) {
    script->released.wait();
    std::vector<io::SocketAddress> answer = script->answer;
    script->finished.fetch_add(1);
    if (answer.empty()) throw NetworkError("cannot resolve host '" + host + "': test");
    return answer;
  };
}

// Polls until pred holds, for up to 5 s.
template <class Pred>
bool eventually(Pred pred) {
  for (auto until = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < until;) {
    if (pred()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return pred();
}

}  // namespace

TEST_CASE("address ring: connections spread over every address, no lookup within the TTL", "[io][dns]") {
  auto script = std::make_shared<ScriptedLookup>();
  auto ring = std::make_shared<io::AddressRing>("h", 80, std::vector{loopback(1), loopback(2), loopback(3)},
                                                io::Millis(3'600'000), scripted(script));
  for (int i = 0; i < 7; ++i) {
    const io::AddressRing::Rotation r = ring->rotation();
    REQUIRE(r.size() == 3);
    CHECK(r[0].text == "127.0.0.1:" + std::to_string(1 + i % 3));  // each connect starts one further on
    CHECK(r[1].text == "127.0.0.1:" + std::to_string(1 + (i + 1) % 3));  // and then tries the others
  }
  CHECK(ring->lookups() == 0);
  script->release.set_value();
}

TEST_CASE("address ring: past the TTL, a lookup in the background; requests go on with the old answer",
          "[io][dns]") {
  auto script = std::make_shared<ScriptedLookup>();
  script->answer = {loopback(20), loopback(21)};
  auto ring = std::make_shared<io::AddressRing>("h", 80, std::vector{loopback(10)}, io::Millis(0), scripted(script));
  // The lookup is stuck (a slow DNS server): rotation() must not wait for it, nor start a second one.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) CHECK(texts(ring->rotation()) == std::vector<std::string>{"127.0.0.1:10"});
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  CHECK(ring->lookups() == 1);
  script->release.set_value();
  CHECK(eventually([&] { return ring->rotation().size() == 2; }));
  const io::AddressRing::Rotation r = ring->rotation();
  CHECK(((r[0].text == "127.0.0.1:20" && r[1].text == "127.0.0.1:21") ||
         (r[0].text == "127.0.0.1:21" && r[1].text == "127.0.0.1:20")));
}

TEST_CASE("address ring: a failed lookup keeps the old answer", "[io][dns]") {
  auto script = std::make_shared<ScriptedLookup>();  // no answer: the lookup throws
  script->release.set_value();
  auto ring = std::make_shared<io::AddressRing>("h", 80, std::vector{loopback(10), loopback(11)}, io::Millis(0),
                                                scripted(script));
  ring->rotation();
  // With a TTL of 0 the next rotation after a finished lookup starts another: by then the first failed.
  CHECK(eventually([&] { return ring->rotation(), ring->lookups() >= 2; }));
  CHECK(script->finished.load() >= 1);
  CHECK(ring->rotation().size() == 2);
  CHECK(eventually([&] { return script->finished.load() == int(ring->lookups()); }));  // none left running
}

TEST_CASE("address ring: expire() makes the next connect look the name up again", "[io][dns]") {
  auto script = std::make_shared<ScriptedLookup>();
  script->answer = {loopback(30)};
  script->release.set_value();
  auto ring = std::make_shared<io::AddressRing>("h", 80, std::vector{loopback(10)}, io::Millis(3'600'000),
                                                scripted(script));
  ring->rotation();
  CHECK(ring->lookups() == 0);
  ring->expire();
  CHECK(texts(ring->rotation()) == std::vector<std::string>{"127.0.0.1:10"});  // the old answer, meanwhile
  CHECK(ring->lookups() == 1);
  CHECK(eventually([&] { return texts(ring->rotation()) == std::vector<std::string>{"127.0.0.1:30"}; }));
  CHECK(ring->lookups() == 1);  // the new answer is fresh for another TTL
}

TEST_CASE("address ring: a lookup that outlives its ring drops its answer", "[io][dns]") {
  auto script = std::make_shared<ScriptedLookup>();
  script->answer = {loopback(40)};
  {
    auto ring = std::make_shared<io::AddressRing>("h", 80, std::vector{loopback(10)}, io::Millis(0), scripted(script));
    ring->rotation();
  }
  script->release.set_value();
  CHECK(eventually([&] { return script->finished.load() == 1; }));
}
