// The HTTP engine against a scripted peer on a socketpair: framing, keep-alive, truncation, timeouts.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "http/connection.hpp"
#include "io/loop.hpp"
#include "raws3/error.hpp"

using namespace raws3;

namespace {

// A connection whose peer is a thread that reads one request and writes `reply`, then maybe closes.
struct ScriptedPeer {
  int fds[2] = {-1, -1};
  std::thread thread;

  ScriptedPeer(std::string reply, bool close_after, int replies = 1) {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    thread = std::thread([fd = fds[1], reply, close_after, replies] {
      for (int i = 0; i < replies; ++i) {
        std::string request;
        char buf[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          ssize_t n = ::read(fd, buf, sizeof buf);
          if (n <= 0) return;
          request.append(buf, std::size_t(n));
        }
        std::size_t sent = 0;
        while (sent < reply.size()) {
          ssize_t n = ::write(fd, reply.data() + sent, reply.size() - sent);
          if (n <= 0) return;
          sent += std::size_t(n);
        }
      }
      if (close_after) ::shutdown(fd, SHUT_WR);
    });
  }
  ~ScriptedPeer() {
    ::shutdown(fds[1], SHUT_RDWR);
    thread.join();
    ::close(fds[1]);
  }
};

struct Outcome {
  int status = 0;
  std::string body;
  bool reusable = false;
  std::string error;
};

// Runs `requests` GETs on one connection over the loop and collects what each saw.
std::vector<Outcome> exchange(io::Loop& loop, int fd, int requests, io::Millis idle = io::Millis(5000),
                              bool head = false) {
  std::vector<Outcome> outcomes;
  auto connection = std::make_unique<http::Connection>(std::make_unique<io::PlainStream>(loop, fd, "peer", idle));
  bool done = false;
  io::spawn([](http::Connection& c, std::vector<Outcome>& out, int requests, bool head) -> io::Task<void> {
    for (int i = 0; i < requests; ++i) {
      Outcome o;
      try {
        http::Request request{head ? "HEAD" : "GET", "/b/k", {{"Host", "peer"}}};
        co_await c.send_request(request, nullptr);
        const http::ResponseHead* h = co_await c.read_head(head);
        o.status = h->status;
        http::StringSink sink(1 << 20);
        co_await c.read_body(sink);
        o.body = sink.take();
        o.reusable = c.reusable();
      } catch (const std::exception& e) {
        o.error = e.what();
      }
      out.push_back(o);
      if (!o.error.empty()) break;
    }
  }(*connection, outcomes, requests, head), [&](std::exception_ptr) { done = true; loop.request_stop(); });
  loop.run();
  CHECK(done);
  return outcomes;
}

}  // namespace

TEST_CASE("Content-Length bodies arrive whole and the connection is reused, after interim answers too", "[http]") {
  // Interim answers (an unasked 100 Continue, 103 Early Hints) come before the real one and are passed over.
  for (const std::string interim : {"", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"}) {
    CAPTURE(interim);
    io::Loop loop;
    ScriptedPeer peer(interim + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\nhello", false, 2);
    auto out = exchange(loop, peer.fds[0], 2);
    REQUIRE(out.size() == 2);
    for (const Outcome& o : out) {
      CHECK(o.error.empty());
      CHECK(o.status == 200);
      CHECK(o.body == "hello");
      CHECK(o.reusable);
    }
  }
}

TEST_CASE("a body larger than the header buffer goes straight to the sink", "[http]") {
  io::Loop loop;
  std::string body(300 * 1024, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = char(i * 7 + 3);
  ScriptedPeer peer("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body, false);
  auto out = exchange(loop, peer.fds[0], 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0].error.empty());
  CHECK(out[0].body == body);
}

TEST_CASE("chunked bodies are decoded and keep the connection", "[http]") {
  io::Loop loop;
  ScriptedPeer peer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n",
                    false, 2);
  auto out = exchange(loop, peer.fds[0], 2);
  REQUIRE(out.size() == 2);
  CHECK(out[1].error.empty());
  CHECK(out[1].body == "hello, world");
  CHECK(out[1].reusable);
}

TEST_CASE("Connection: close is honoured", "[http]") {
  io::Loop loop;
  ScriptedPeer peer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", true);
  auto out = exchange(loop, peer.fds[0], 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0].body == "ok");
  CHECK_FALSE(out[0].reusable);
}

TEST_CASE("a body delimited by the close of the connection", "[http]") {
  io::Loop loop;
  ScriptedPeer peer("HTTP/1.1 200 OK\r\n\r\nuntil the end", true);
  auto out = exchange(loop, peer.fds[0], 1);
  REQUIRE(out.size() == 1);
  INFO(out[0].error);
  CHECK(out[0].error.empty());
  CHECK(out[0].body == "until the end");
  CHECK_FALSE(out[0].reusable);
}

TEST_CASE("a body shorter than its Content-Length is an error, never a short result", "[http]") {
  io::Loop loop;
  ScriptedPeer peer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", true);
  auto out = exchange(loop, peer.fds[0], 1);
  REQUIRE(out.size() == 1);
  CHECK_THAT(out[0].error, Catch::Contains("after 9 of 100 body bytes"));
}

TEST_CASE("a broken chunked encoding is an error", "[http]") {
  io::Loop loop;
  ScriptedPeer peer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n", true);
  auto out = exchange(loop, peer.fds[0], 1);
  REQUIRE(out.size() == 1);
  CHECK_THAT(out[0].error, Catch::Contains("malformed HTTP response"));
}

TEST_CASE("a truncated chunked body is an error", "[http]") {
  io::Loop loop;
  ScriptedPeer peer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", true);
  auto out = exchange(loop, peer.fds[0], 1);
  REQUIRE(out.size() == 1);
  CHECK_THAT(out[0].error, Catch::Contains("closed before the end"));
}

TEST_CASE("endless interim answers are a malformed response", "[http]") {
  io::Loop loop;
  std::string interims;
  for (int i = 0; i <= http::Connection::kMaxInterimAnswers; ++i) interims += "HTTP/1.1 103 Early Hints\r\n\r\n";
  ScriptedPeer peer(interims + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true);
  auto out = exchange(loop, peer.fds[0], 1);
  REQUIRE(out.size() == 1);
  CHECK_THAT(out[0].error, Catch::Contains("interim (1xx) answers"));
}

TEST_CASE("a non-HTTP status line is an error", "[http]") {
  io::Loop loop;
  ScriptedPeer peer("SSH-2.0-OpenSSH_9.2\r\n\r\n", true);
  auto out = exchange(loop, peer.fds[0], 1);
  REQUIRE(out.size() == 1);
  CHECK_THAT(out[0].error, Catch::Contains("malformed HTTP response"));
}

TEST_CASE("an oversized header block is refused", "[http]") {
  io::Loop loop;
  ScriptedPeer peer("HTTP/1.1 200 OK\r\nX-Big: " + std::string(200 * 1024, 'a') + "\r\nContent-Length: 0\r\n\r\n", true);
  auto out = exchange(loop, peer.fds[0], 1);
  REQUIRE(out.size() == 1);
  CHECK_THAT(out[0].error, Catch::Contains("header block exceeds"));
}

TEST_CASE("HEAD answers have no body whatever their Content-Length says", "[http]") {
  io::Loop loop;
  ScriptedPeer peer("HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n", false, 2);
  auto out = exchange(loop, peer.fds[0], 2, io::Millis(5000), /*head=*/true);
  REQUIRE(out.size() == 2);
  CHECK(out[1].error.empty());
  CHECK(out[1].body.empty());
  CHECK(out[1].reusable);
}

TEST_CASE("a stall after the headers times out", "[http]") {
  io::Loop loop;
  ScriptedPeer peer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false);
  auto start = std::chrono::steady_clock::now();
  auto out = exchange(loop, peer.fds[0], 1, io::Millis(200));
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(out.size() == 1);
  CHECK_THAT(out[0].error, Catch::Contains("no progress for 200 ms"));
  CHECK(took < std::chrono::seconds(3));
}

TEST_CASE("headers that would break the header block are refused before a byte is sent", "[http]") {
  using Catch::Matchers::Contains;
  const std::string secret = "s3cr3t";
  struct Bad {
    http::Header header;
    std::string says;
  };
  const std::vector<Bad> bad = {
      {{"Content-Type", "text/plain\r\nX-Injected: 1"}, "carriage return"},
      {{"x-amz-meta-note", secret + "\nX-Injected: 1"}, "line feed"},
      {{"x-amz-security-token", secret + std::string(1, '\0') + "tail"}, "NUL"},
      {{"x-amz-meta-a b", "v"}, "not an HTTP token"},
      {{"x-amz-meta-a:b", "v"}, "not an HTTP token"},
      {{"X-Injected\r\nHost", "v"}, "not an HTTP token"},
      {{"", "v"}, "not an HTTP token"},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.header.name);
    const http::Request request{"PUT", "/b/k", {{"Host", "peer"}, b.header}};
    try {
      http::serialize_head(request);
      FAIL("serialized");
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      CHECK_THAT(what, Contains(b.says) && Contains("nothing was sent"));
      CHECK(what.find('\n') == std::string::npos);
      CHECK(what.find('\r') == std::string::npos);
      CHECK(what.find(secret) == std::string::npos);  // values may be secrets: only the name is told
      if (b.header.name == "x-amz-meta-note") CHECK_THAT(what, Contains("header x-amz-meta-note:"));
    }
  }
  // Tabs, spaces, quotes and UTF-8 are field content; every tchar is a name.
  CHECK_NOTHROW(http::serialize_head(
      {"PUT", "/b/k", {{"Host", "peer"}, {"x-amz-meta-ok!#$%&'*+-.^_`|~09AZaz", "a\tb \"c\" \xc3\xa9"}}}));

  // Through a connection: the peer sees nothing at all.
  io::Loop loop;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  auto connection = std::make_unique<http::Connection>(std::make_unique<io::PlainStream>(loop, fds[0], "peer", io::Millis(5000)));
  std::string error;
  io::spawn([](http::Connection& c, std::string& error) -> io::Task<void> {
    http::Request request{"PUT", "/b/k", {{"Host", "peer"}, {"Content-Type", "a\r\nX-Injected: 1"}}};
    try {
      co_await c.send_request(request, nullptr);
    } catch (const ConfigError& e) {
      error = e.what();
    }
  }(*connection, error), [&](std::exception_ptr) { loop.request_stop(); });
  loop.run();
  CHECK_THAT(error, Contains("header Content-Type"));
  ::shutdown(fds[0], SHUT_WR);
  char buf[64];
  CHECK(::read(fds[1], buf, sizeof buf) == 0);  // end of stream straight away: not one byte came
  ::close(fds[1]);
}
