// Response parsing with llhttp. The parser reads the status line and headers; a Content-Length body is
// then received by the connection straight into its destination without passing through here, while
// chunked and close-delimited bodies are decoded by llhttp.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <span>
#include <vector>

#include "http/response.hpp"
#include "raws3/error.hpp"

namespace raws3::http {

// An answer that is not HTTP/1.1 we can read (a status line that is not HTTP, an oversized header block,
// broken framing). A proxy, a load balancer or a half-dead connection gives such answers now and then:
// an idempotent request is asked again on a fresh connection.
class MalformedResponse final : public NetworkError {
 public:
  using NetworkError::NetworkError;
};

class ResponseParser {
 public:
  // Header blocks beyond this are refused: no S3 answer comes near it, and it bounds our memory.
  static constexpr std::size_t kMaxHeadBytes = 64 * 1024;

  ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Before each response. A HEAD response has no body whatever its Content-Length says.
  void start(bool head_request);

  // Consumes status line and header bytes; returns how many of data were theirs. Once head_complete(),
  // whatever follows in data is body. Throws MalformedResponse on malformed or oversized input.
  std::size_t parse_head(std::span<const std::byte> data);
  bool head_complete() const noexcept { return head_complete_; }
  ResponseHead& head() noexcept { return head_; }

  // For bodies llhttp must decode: consumes data and appends the decoded pieces (pointing into data) to
  // pieces; returns how much of data was consumed (less than all once the message is complete).
  std::size_t parse_body(std::span<const std::byte> data, std::vector<std::span<const std::byte>>& pieces);
  // The peer closed the connection: completes a close-delimited body, else throws (truncated).
  void finish_at_eof();
  bool message_complete() const noexcept { return message_complete_; }
  // Whether llhttp must decode the body (chunked, or no length: read until close).
  bool body_needs_decoding() const noexcept;

 private:
  static int on_status(llhttp_t* p, const char* at, std::size_t len);
  static int on_header_field(llhttp_t* p, const char* at, std::size_t len);
  static int on_header_value(llhttp_t* p, const char* at, std::size_t len);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, std::size_t len);
  static int on_message_complete(llhttp_t* p);
  [[noreturn]] void fail(llhttp_errno_t err) const;

  llhttp_t parser_{};
  ResponseHead head_;
  std::size_t head_bytes_ = 0;
  bool head_request_ = false;
  bool head_complete_ = false;
  bool message_complete_ = false;
  bool in_value_ = false;
  std::vector<std::span<const std::byte>>* pieces_ = nullptr;
};

}  // namespace raws3::http
