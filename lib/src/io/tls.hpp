// TLS through io_uring: OpenSSL never touches the socket. It reads and writes a BIO pair; we move the
// ciphertext between the pair's buffer and the socket with ring operations, with no staging copy.
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "io/stream.hpp"
#include "raws3/error.hpp"

namespace raws3::io {

// The server's certificate did not verify (an unknown CA, another name, expired): every attempt would meet
// the same certificate, so it is not worth a retry.
class CertificateError final : public NetworkError {
 public:
  using NetworkError::NetworkError;
};

struct TlsOptions {
  bool verify = true;     // verify the chain and the host name
  std::string ca_bundle;  // PEM file of trusted CAs; empty: the system store
};

// Shared by every loop of a client: SSL_CTX is thread-safe, and so is the session cache here, which lets
// each new connection to an endpoint resume the last session instead of a full handshake.
class TlsContext {
 public:
  // Throws raws3::ConfigError when the CA bundle cannot be loaded.
  explicit TlsContext(const TlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Upgrades a connected socket: handshake, chain and host-name checks. Takes ownership of fd. By value:
  // the coroutine starts when awaited, after the caller's temporaries are gone.
  Task<std::unique_ptr<Stream>> connect(Loop& loop, int fd, std::string peer, Millis idle_timeout,
                                        std::string server_name);

 private:
  friend class TlsStream;
  static int on_new_session(SSL* ssl, SSL_SESSION* session);
  SSL_SESSION* take_session(const std::string& key);

  SSL_CTX* ctx_ = nullptr;
  std::mutex sessions_mutex_;
  std::map<std::string, SSL_SESSION*> sessions_;
};

}  // namespace raws3::io
