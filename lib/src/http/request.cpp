#include "http/request.hpp"

namespace raws3::http {

std::string serialize_head(const Request& request) {
  std::size_t size = request.method.size() + request.target.size() + 16;
  for (const Header& h : request.headers) size += h.name.size() + h.value.size() + 4;
  std::string out;
  out.reserve(size);
  out.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\n");
  for (const Header& h : request.headers) out.append(h.name).append(": ").append(h.value).append("\r\n");
  out.append("\r\n");
  return out;
}

io::Task<std::span<const std::byte>> MemorySource::next() {
  if (sent_) co_return std::span<const std::byte>{};
  sent_ = true;
  co_return bytes_;
}

}  // namespace raws3::http
