// libFuzzer target: arbitrary bytes as all a server sends on one kept-alive connection, cut into reads at
// points the input chooses, fed to http::Connection as it reads the answers to GET, HEAD and skipped
// requests one after another for as long as it says the connection may serve again. Whatever the bytes,
// each answer is delivered or refused with raws3::Error: never a crash, a leak, a read out of bounds, a
// body longer than its Content-Length, or a task left waiting.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <span>

#include "http/connection.hpp"
#include "io/loop.hpp"
#include "io/stream.hpp"
#include "raws3/error.hpp"

namespace {

using namespace raws3;

// The server's bytes, handed out in reads whose sizes the control bytes give in turn.
class ScriptedStream final : public io::Stream {
 public:
  ScriptedStream(io::Loop& loop, std::span<const std::uint8_t> controls, std::span<const std::uint8_t> bytes)
      : Stream(loop, -1, "fuzz", io::Millis(1000)), controls_(controls), bytes_(bytes) {}

  io::Task<std::size_t> read_some(std::span<std::byte> dst) override {
    if (bytes_.empty()) co_return 0;
    std::size_t piece = controls_.empty() ? bytes_.size() : std::size_t(controls_[reads_++ % controls_.size()]) * 7 + 1;
    piece = std::min({piece, dst.size(), bytes_.size()});
    std::memcpy(dst.data(), bytes_.data(), piece);
    bytes_ = bytes_.subspan(piece);
    co_return piece;
  }
  io::Task<void> write_all(std::span<const std::byte>, std::span<const std::byte>) override { co_return; }

 private:
  std::span<const std::uint8_t> controls_;
  std::span<const std::uint8_t> bytes_;
  std::size_t reads_ = 0;
};

// Counts what arrives and holds the connection to what the answer declared.
class CountingSink final : public http::BodySink {
 public:
  void expect(std::optional<std::uint64_t> length) override { declared_ = length; }
  std::span<std::byte> buffer() override { return scratch_; }
  io::Task<void> commit(std::size_t n) override {
    if (n > scratch_.size()) __builtin_trap();
    received_ += n;
    if (declared_ && received_ > *declared_) __builtin_trap();
    co_return;
  }

 private:
  std::array<std::byte, 512> scratch_{};
  std::optional<std::uint64_t> declared_;
  std::uint64_t received_ = 0;
};

io::Task<void> converse(http::Connection& connection, std::span<const std::uint8_t> controls) {
  for (std::size_t i = 0; i < 4; ++i) {
    const unsigned kind = controls.empty() ? 0 : controls[i % controls.size()] % 3;  // GET, HEAD, skipped
    const http::Request request{kind == 1 ? "HEAD" : "GET", "/b/k", {{"Host", "fuzz"}}};
    co_await connection.send_request(request, nullptr);
    co_await connection.read_head(kind == 1);
    if (kind == 2) {
      co_await connection.skip_body(4096);
    } else {
      CountingSink sink;
      co_await connection.read_body(sink);
    }
    if (!connection.reusable()) break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static io::Loop loop(io::Backend::Epoll);  // only its identity is used: the scripted stream never waits
  if (size < 1) return 0;
  const std::size_t control_size = std::min<std::size_t>(data[0] % 16, size - 1);
  const std::span<const std::uint8_t> controls(data + 1, control_size);
  const std::span<const std::uint8_t> bytes(data + 1 + control_size, size - 1 - control_size);
  http::Connection connection(std::make_unique<ScriptedStream>(loop, controls, bytes));
  bool ended = false;
  std::exception_ptr error;
  io::spawn(converse(connection, controls), [&](std::exception_ptr e) {
    ended = true;
    error = e;
  });
  if (!ended) __builtin_trap();  // nothing here waits, so a task still suspended lost its wake-up
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const raws3::Error&) {
      // Refusing what a server should not have sent is the point; any other exception escapes and fails.
    }
  }
  return 0;
}
