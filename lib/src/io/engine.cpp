#include "io/engine.hpp"

#include "raws3/error.hpp"

namespace raws3::io {

EngineChoice choose_engine(IoEngine requested) {
  if (requested == IoEngine::Epoll) return {Backend::Epoll, "epoll", {}};
  const std::string& why = uring_unavailable_reason();
  if (why.empty()) return {Backend::Uring, "io_uring", {}};
  if (requested == IoEngine::Uring) throw Error("io_uring unavailable: " + why + " (RAWS3_IO=uring)");
  return {Backend::Epoll, "epoll", why};
}

}  // namespace raws3::io
