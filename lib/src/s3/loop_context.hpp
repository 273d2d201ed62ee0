// What one event loop owns for a client: its signer, its buffers and its connection pools.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "auth/sigv4.hpp"
#include "io/buffer_pool.hpp"
#include "s3/endpoint.hpp"
#include "s3/object_service.hpp"

namespace raws3::s3 {

class LoopContext {
 public:
  // GETs into files pass their bodies through registered buffers of this size, `file_buffers` per loop:
  // as many as one GET's parts in flight on a loop, so memory stays what one GET needs; more parts (the
  // first part's, other GETs') wait for a buffer to come back.
  static constexpr std::size_t kFileBufferSize = 1 << 20;

  // Build it on the loop's own thread: the buffers are registered with that loop's ring.
  LoopContext(io::Loop& loop, const Endpoint& endpoint, unsigned file_buffers)
      : loop_(loop), endpoint_(endpoint), file_buffer_count_(std::max(1u, file_buffers)) {
    if (endpoint.credentials) credentials_.emplace(*endpoint.credentials, loop);
  }

  io::Loop& loop() noexcept { return loop_; }
  const Endpoint& endpoint() const noexcept { return endpoint_; }
  const ObjectService& service() const noexcept { return *endpoint_.service; }
  auth::Signer& signer() noexcept { return signer_; }
  // This loop's hold on the client's credentials; null for an anonymous client.
  CredentialCache::Reader* credentials() noexcept { return credentials_ ? &*credentials_ : nullptr; }
  // Made on first use: registered buffers are pinned memory, which a loop that never touches a file
  // should not hold.
  io::BufferPool& file_buffers() {
    if (!file_buffers_) file_buffers_.emplace(loop_, kFileBufferSize, file_buffer_count_);
    return *file_buffers_;
  }

  // After Client::cancel(): cancels what this loop has in flight, once. Every request calls it before it
  // sends, so that the clean-up requests a cancellation triggers are never caught by the cancellation
  // itself, whichever loop they run on and whenever the cancel reaches it.
  void observe_cancel() {
    if (cancel_seen_ || !endpoint_.cancelled.load(std::memory_order_acquire)) return;
    cancel_seen_ = true;
    loop_.cancel_in_flight();
  }

  // The pool for host, resolving the host on first use.
  io::Task<http::ConnectionPool*> pool_for(const std::string& host);

 private:
  io::Loop& loop_;
  const Endpoint& endpoint_;
  unsigned file_buffer_count_;
  auth::Signer signer_;
  std::optional<CredentialCache::Reader> credentials_;
  std::optional<io::BufferPool> file_buffers_;
  std::map<std::string, std::unique_ptr<http::ConnectionPool>> pools_;
  bool cancel_seen_ = false;
};

}  // namespace raws3::s3
