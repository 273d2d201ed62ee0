// A response's status and headers, and where a response body goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "io/task.hpp"

namespace raws3::http {

struct ResponseHead {
  int status = 0;
  std::string reason;
  std::vector<Header> headers;  // names lower-cased
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;

  // The first header of that (lower-case) name, or null.
  const std::string* find(std::string_view lower_name) const noexcept;
};

// Where a body lands. The connection receives straight into buffer(): a sink that hands out its final
// destination (the caller's memory, a registered buffer) gets every byte without a copy.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // First of all, the answer's head: a sink that sizes or checks its destination from it (Content-Range)
  // does so here. False leaves the body unread and the connection is closed instead (a body the head
  // shows to be bogus). May throw.
  virtual bool begin(const ResponseHead& head) {
    (void)head;
    return true;
  }
  // Before the first byte: the body's length when the response declared one. May throw (too large).
  virtual void expect(std::optional<std::uint64_t> length) { (void)length; }
  // Room for the next bytes; never empty.
  virtual std::span<std::byte> buffer() = 0;
  // The first n bytes of buffer() now hold body bytes.
  virtual io::Task<void> commit(std::size_t n) = 0;
  // After the last byte.
  virtual io::Task<void> finish() { co_return; }
};

// Collects a body in a string, refusing more than `limit` bytes (error documents, XML listings).
class StringSink final : public BodySink {
 public:
  explicit StringSink(std::size_t limit) : limit_(limit) {}
  void expect(std::optional<std::uint64_t> length) override;
  std::span<std::byte> buffer() override;
  io::Task<void> commit(std::size_t n) override;
  std::string take();

 private:
  std::size_t limit_;
  std::string body_;
  std::size_t filled_ = 0;
};

// Receives into fixed memory; a body larger than the span is an error.
class SpanSink final : public BodySink {
 public:
  explicit SpanSink(std::span<std::byte> dest) : dest_(dest) {}
  void expect(std::optional<std::uint64_t> length) override;
  std::span<std::byte> buffer() override;
  io::Task<void> commit(std::size_t n) override;
  std::size_t filled() const noexcept { return filled_; }

 private:
  std::span<std::byte> dest_;
  std::size_t filled_ = 0;
};

}  // namespace raws3::http
