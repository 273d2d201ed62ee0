// The log hook (raws3/log.hpp) through a whole Client, against a scripted HTTP server on loopback: what
// each level delivers, that Off calls nothing, and that no line holds a credential or a signature.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "raws3/client.hpp"
#include "raws3/log.hpp"

using namespace raws3;

namespace {

// Answers the requests it receives, on any connection and kept alive, with `replies` in order; keeps what
// each request looked like on the wire.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::string> replies) : replies_(std::move(replies)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    REQUIRE(::listen(listener_, 8) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  // One connection at a time: the client under test sends one request at a time.
  void serve() {
    std::size_t next = 0;
    for (;;) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      std::string in;
      char buf[4096];
      for (;;) {
        const std::size_t end = in.find("\r\n\r\n");
        if (end != std::string::npos) {
          {
            std::lock_guard lock(mutex_);
            requests_.push_back(in.substr(0, end + 4));
          }
          in.erase(0, end + 4);
          const std::string& reply = replies_.at(next++ % replies_.size());
          if (::write(fd, reply.data(), reply.size()) != ssize_t(reply.size())) break;
          continue;
        }
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, std::size_t(n));
      }
      ::close(fd);
    }
  }

  std::vector<std::string> replies_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

const std::string kSlowDownBody =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request "
    "rate.</Message></Error>";
const std::string kSlowDown = "HTTP/1.1 503 Slow Down\r\nx-amz-request-id: REQ-ONE\r\nContent-Type: application/xml\r\n"
                              "Content-Length: " + std::to_string(kSlowDownBody.size()) + "\r\n\r\n" + kSlowDownBody;
const std::string kHello = "HTTP/1.1 200 OK\r\nx-amz-request-id: REQ-TWO\r\nx-amz-id-2: HOST-TWO\r\n"
                           "Content-Length: 5\r\n\r\nhello";

const Credentials kCredentials{"AKIDLOGTEST", "secret-never-logged", "session-token-never-logged", std::nullopt};

struct Line {
  LogLevel level;
  std::string text;
};

// A client of server that logs at `level` into lines.
Client make_client(const ScriptedServer& server, LogLevel level, std::vector<Line>& lines, std::mutex& mutex) {
  Config config{.endpoint_url = server.url(), .region = "us-east-1", .credentials = kCredentials,
                .addressing = Addressing::Path};
  config.tuning.threads = 1;
  config.tuning.max_attempts = 3;
  config.log_level = level;
  config.log_handler = [&lines, &mutex](LogLevel l, std::string_view text) {
    std::lock_guard lock(mutex);
    lines.push_back({l, std::string(text)});
  };
  return Client(config);
}

}  // namespace

TEST_CASE("Debug: one line per attempt, the retry notice between them") {
  ScriptedServer server({kSlowDown, kHello});
  std::vector<Line> lines;
  std::mutex mutex;
  {
    Client client = make_client(server, LogLevel::Debug, lines, mutex);
    CHECK(client.get_object("b", "k") == "hello");
  }
  const std::vector<std::string> requests = server.requests();
  REQUIRE(requests.size() == 2);
  REQUIRE(lines.size() == 3);

  CHECK(lines[0].level == LogLevel::Debug);
  CHECK_THAT(lines[0].text, Catch::Matches("GET s3://b/k: 503 SlowDown in [0-9.]+ ms \\(attempt 1 of 3, new connection, "
                                           "sent " + std::to_string(requests[0].size()) + " B, received " +
                                           std::to_string(kSlowDown.size()) + " B, request id REQ-ONE\\)"));
  CHECK(lines[1].level == LogLevel::Warn);
  CHECK_THAT(lines[1].text, Catch::Matches("GET s3://b/k: SlowDown \\(HTTP 503\\): Please reduce your request rate\\. "
                                           "\\[request id REQ-ONE\\]; retrying in [0-9]+ ms \\(attempt 2 of 3\\)"));
  CHECK(lines[2].level == LogLevel::Debug);
  CHECK_THAT(lines[2].text, Catch::Matches("GET s3://b/k: 200 in [0-9.]+ ms \\(attempt 2 of 3, reused connection, sent " +
                                           std::to_string(requests[1].size()) + " B, received " +
                                           std::to_string(kHello.size()) +
                                           " B, request id REQ-TWO, id2 HOST-TWO\\)"));

  // Neither the credentials nor what they signed show.
  const std::regex signature("Signature=([0-9a-f]{64})");
  for (const std::string& request : requests) {
    std::smatch found;
    REQUIRE(std::regex_search(request, found, signature));
    REQUIRE(request.find(kCredentials.session_token) != std::string::npos);
    for (const Line& line : lines) {
      INFO(line.text);
      CHECK(line.text.find(found[1].str()) == std::string::npos);
      CHECK(line.text.find(kCredentials.secret_access_key) == std::string::npos);
      CHECK(line.text.find(kCredentials.session_token) == std::string::npos);
      CHECK(line.text.find("AWS4-HMAC-SHA256") == std::string::npos);
    }
  }
}

TEST_CASE("Warn: the retry notice alone") {
  ScriptedServer server({kSlowDown, kHello});
  std::vector<Line> lines;
  std::mutex mutex;
  {
    Client client = make_client(server, LogLevel::Warn, lines, mutex);
    CHECK(client.get_object("b", "k") == "hello");
  }
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].level == LogLevel::Warn);
  CHECK_THAT(lines[0].text, Catch::Contains("(attempt 2 of 3)"));
}

TEST_CASE("Off: the handler is never called, retries or not") {
  ScriptedServer server({kSlowDown, kHello});
  std::vector<Line> lines;
  std::mutex mutex;
  {
    Client client = make_client(server, LogLevel::Off, lines, mutex);
    CHECK(client.get_object("b", "k") == "hello");
  }
  CHECK(server.requests().size() == 2);
  CHECK(lines.empty());
}

TEST_CASE("log levels by name") {
  CHECK(parse_log_level("debug") == LogLevel::Debug);
  CHECK(parse_log_level("INFO") == LogLevel::Info);
  CHECK(parse_log_level("warn") == LogLevel::Warn);
  CHECK(parse_log_level("Warning") == LogLevel::Warn);
  CHECK(parse_log_level("error") == LogLevel::Error);
  CHECK(parse_log_level("off") == LogLevel::Off);
  CHECK_FALSE(parse_log_level("loud").has_value());
  CHECK_FALSE(parse_log_level("").has_value());
  for (LogLevel level : {LogLevel::Off, LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Debug})
    CHECK(parse_log_level(log_level_name(level)) == level);
}
