// An HTTP/1.1 request as we put it on the wire, and what a body to send looks like.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/task.hpp"

namespace raws3::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;
  std::string target;           // path and query exactly as on the wire (already percent-encoded)
  std::vector<Header> headers;  // Host and Content-Length included by the caller
};

// The request line and the header block, ending in the empty line. Every request goes on the wire through
// it, so it is where headers are checked: a name that is not an HTTP token, or a value holding CR, LF or
// NUL, throws raws3::ConfigError naming the header, before any byte of the request is sent.
std::string serialize_head(const Request& request);

// A request body produced piece by piece, so a file can be sent without holding it in memory.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual std::uint64_t size() const = 0;
  // The next piece (valid until the following call); empty once the body is done.
  virtual io::Task<std::span<const std::byte>> next() = 0;
  // Back to the first byte, for a retry on a fresh connection.
  virtual void rewind() = 0;
};

// A body that is already in memory: sent as one piece, never copied.
class MemorySource final : public BodySource {
 public:
  explicit MemorySource(std::span<const std::byte> bytes) : bytes_(bytes) {}
  std::uint64_t size() const override { return bytes_.size(); }
  io::Task<std::span<const std::byte>> next() override;
  void rewind() override { sent_ = false; }

 private:
  std::span<const std::byte> bytes_;
  bool sent_ = false;
};

inline std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace raws3::http
