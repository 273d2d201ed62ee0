// One persistent HTTP/1.1 connection: a request out, a response in, then maybe another.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>

#include "http/request.hpp"
#include "http/response.hpp"
#include "http/response_parser.hpp"
#include "io/stream.hpp"

namespace raws3::http {

// Drops body bytes: for drained error bodies and for benchmarks that measure the transfer alone.
class DiscardSink final : public BodySink {
 public:
  std::span<std::byte> buffer() override { return scratch_; }
  io::Task<void> commit(std::size_t n) override {
    received_ += n;
    co_return;
  }
  std::uint64_t received() const noexcept { return received_; }

 private:
  // Never read, so never cleared: zeroing 64 KiB per small GET cost more than receiving it.
  std::array<std::byte, 64 * 1024> scratch_;
  std::uint64_t received_ = 0;
};

class Connection {
 public:
  explicit Connection(std::unique_ptr<io::Stream> stream) : stream_(std::move(stream)) {}

  io::Task<void> send_request(const Request& request, BodySource* body);
  // Reads up to the end of the header block. A reused connection the server had already closed fails
  // here with no response byte seen: see saw_response_bytes().
  io::Task<const ResponseHead*> read_head(bool head_request);
  // Interim (1xx) answers passed over before one is taken for a broken server.
  static constexpr int kMaxInterimAnswers = 8;
  // Receives the body into sink; a Content-Length body goes straight into sink.buffer().
  io::Task<void> read_body(BodySink& sink);
  // Reads and drops a body of up to `limit` bytes so the connection can serve again; a larger one is
  // left unread and the connection will be closed instead.
  io::Task<void> skip_body(std::uint64_t limit);

  // Keep-alive, and the last response read to its end: the connection may serve another request.
  bool reusable() const noexcept { return reusable_; }
  unsigned requests_served() const noexcept { return served_; }
  bool saw_response_bytes() const noexcept { return saw_response_bytes_; }
  // HTTP bytes (head and body) of the last request, written and read so far.
  std::uint64_t bytes_sent() const noexcept { return bytes_sent_; }
  std::uint64_t bytes_received() const noexcept { return bytes_received_; }
  io::Stream& stream() noexcept { return *stream_; }
  // Once *flag is set, every read or write this connection would start fails with raws3::Cancelled
  // instead. A loop's cancellation reaches the operations under way when it runs; this reaches those a
  // request would start after it (the receive that follows a send that had just completed). Null: none.
  void cancel_with(const std::atomic<bool>* flag) noexcept { cancel_flag_ = flag; }

 private:
  void refuse_if_cancelled() const {
    if (cancel_flag_ && cancel_flag_->load(std::memory_order_acquire)) throw Cancelled("cancelled before it could finish");
  }
  // Moves already-received body bytes into the sink.
  io::Task<void> copy_into(BodySink& sink, std::span<const std::byte> bytes);
  std::span<const std::byte> unread() const noexcept {
    return {in_.data() + in_begin_, in_end_ - in_begin_};
  }

  std::unique_ptr<io::Stream> stream_;
  const std::atomic<bool>* cancel_flag_ = nullptr;
  ResponseParser parser_;
  // Status line and headers land here; so may the first bytes of a body, which we then copy once.
  std::array<std::byte, 16 * 1024> in_{};
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  bool reusable_ = false;
  bool saw_response_bytes_ = false;
  unsigned served_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
};

}  // namespace raws3::http
