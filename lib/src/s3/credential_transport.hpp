// The HTTP of the credential providers (instance metadata, container endpoints, STS), sent through the
// library's own engine: http::Connection over io::Stream, TLS from io::TlsContext. It runs on a loop of its
// own, made on the first call, so that a refresh neither waits for the client's loops nor holds them up,
// and outlives none of them: the credential cache that owns it stops it first.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "auth/http_transport.hpp"
#include "io/loop.hpp"
#include "io/tls.hpp"

namespace raws3::s3 {

class CredentialTransport final : public auth::HttpTransport {
 public:
  // backend: the client's engine. tls: what https calls verify against (the client's --ca-bundle /
  // --no-verify-ssl, as awscli does).
  CredentialTransport(io::Backend backend, io::TlsOptions tls);
  ~CredentialTransport() override;

  // One request on a connection of its own (a refresh is rare; nothing is kept between calls). Blocks the
  // calling thread, which must not be a loop thread. Resolves the host on that thread.
  auth::HttpAnswer send(const auth::HttpCall& call) override;

  // The call in flight, and every later one, fail with raws3::Cancelled. Safe from any thread.
  void abort();

 private:
  io::Loop& loop();

  io::Backend backend_;
  io::TlsOptions tls_options_;
  std::mutex mutex_;  // guards thread_ and tls_, made on first use
  std::unique_ptr<io::LoopThread> thread_;
  std::unique_ptr<io::TlsContext> tls_;
  std::atomic<bool> aborted_{false};
};

}  // namespace raws3::s3
