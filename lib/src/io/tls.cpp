#include "io/tls.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include "raws3/error.hpp"

namespace raws3::io {

namespace {

// Big enough that one recv or send moves several TLS records.
constexpr std::size_t kBioPairSize = 64 * 1024;

std::string openssl_error_text() {
  std::string text;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text.empty() ? "unknown TLS error" : text;
}

bool is_ip_literal(const std::string& name) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

}  // namespace

class TlsStream final : public Stream {
 public:
  TlsStream(Loop& loop, int fd, std::string peer, Millis idle_timeout, SSL* ssl, BIO* network,
            std::string session_key)
      : Stream(loop, fd, std::move(peer), idle_timeout),
        ssl_(ssl),
        network_(network),
        session_key_(std::move(session_key)) {
    // Read by TlsContext::on_new_session, which TLS 1.3 may call on any later read.
    SSL_set_app_data(ssl_, &session_key_);
  }
  const std::string& session_key() const noexcept { return session_key_; }
  bool end_authenticated() const noexcept override { return !end_unauthenticated_; }
  ~TlsStream() override {
    SSL_free(ssl_);  // frees the internal half of the pair
    BIO_free(network_);
  }

  Task<void> handshake() {
    for (;;) {
      ERR_clear_error();
      int rc = SSL_connect(ssl_);
      co_await flush();
      if (rc == 1) co_return;
      int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ) {
        if (!co_await fill()) throw NetworkError("TLS handshake with " + peer_ + ": connection closed by peer");
      } else if (err != SSL_ERROR_WANT_WRITE) {
        long verify = SSL_get_verify_result(ssl_);
        if (verify != X509_V_OK)
          throw CertificateError("TLS handshake with " + peer_ + ": certificate verify failed: " +
                                 X509_verify_cert_error_string(verify));
        throw NetworkError("TLS handshake with " + peer_ + ": " + openssl_error_text());
      }
    }
  }

  Task<std::size_t> read_some(std::span<std::byte> dst) override {
    for (;;) {
      ERR_clear_error();
      std::size_t n = 0;
      int rc = SSL_read_ex(ssl_, dst.data(), dst.size(), &n);
      if (rc == 1) co_return n;
      switch (SSL_get_error(ssl_, rc)) {
        case SSL_ERROR_WANT_READ:
          co_await flush();
          if (!co_await fill()) {
            end_unauthenticated_ = true;  // a TCP close with no close_notify before it
            co_return 0;
          }
          break;
        case SSL_ERROR_WANT_WRITE:
          co_await flush();
          break;
        case SSL_ERROR_ZERO_RETURN:
          co_return 0;
        default:
          throw NetworkError("TLS read from " + peer_ + ": " + openssl_error_text());
      }
    }
  }

  Task<void> write_all(std::span<const std::byte> first, std::span<const std::byte> second) override {
    for (std::span<const std::byte> part : {first, second}) {
      while (!part.empty()) {
        ERR_clear_error();
        std::size_t n = 0;
        int rc = SSL_write_ex(ssl_, part.data(), part.size(), &n);
        if (rc == 1) {
          part = part.subspan(n);
          continue;
        }
        int err = SSL_get_error(ssl_, rc);
        if (err == SSL_ERROR_WANT_WRITE) {
          co_await flush();
        } else if (err == SSL_ERROR_WANT_READ) {
          co_await flush();
          if (!co_await fill()) throw NetworkError("TLS write to " + peer_ + ": connection closed by peer");
        } else {
          throw NetworkError("TLS write to " + peer_ + ": " + openssl_error_text());
        }
      }
    }
    co_await flush();
  }

 private:
  // Sends every byte of ciphertext OpenSSL has produced, straight from the pair's buffer.
  Task<void> flush() {
    while (BIO_ctrl_pending(network_) > 0) {
      char* data = nullptr;
      int n = BIO_nread0(network_, &data);
      if (n <= 0) break;
      co_await send_raw({reinterpret_cast<const std::byte*>(data), std::size_t(n)}, {});
      BIO_nread(network_, &data, n);
    }
  }

  // Receives ciphertext straight into the pair's buffer; false at end of stream.
  Task<bool> fill() {
    char* space = nullptr;
    int room = BIO_nwrite0(network_, &space);
    if (room <= 0) co_return true;  // OpenSSL has unread input already
    std::size_t n = co_await recv_raw({reinterpret_cast<std::byte*>(space), std::size_t(room)});
    if (n == 0) co_return false;
    BIO_nwrite(network_, &space, int(n));
    co_return true;
  }

  SSL* ssl_;
  BIO* network_;
  std::string session_key_;  // which endpoint's session cache slot this connection feeds
  bool end_unauthenticated_ = false;
};

TlsContext::TlsContext(const TlsOptions& options) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (!ctx_) throw NetworkError("TLS setup: " + openssl_error_text());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  // Many S3 servers close without close_notify: HTTP framing tells a truncated body apart, and a body that
  // only the close delimits must end with one (http::Connection asks Stream::end_authenticated).
  SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_RELEASE_BUFFERS);
  if (options.verify) {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    int ok = options.ca_bundle.empty()
                 ? SSL_CTX_set_default_verify_paths(ctx_)
                 : SSL_CTX_load_verify_locations(ctx_, options.ca_bundle.c_str(), nullptr);
    if (ok != 1) {
      std::string why = openssl_error_text();
      SSL_CTX_free(ctx_);
      throw ConfigError("cannot load CA bundle '" +
                        (options.ca_bundle.empty() ? std::string("system default") : options.ca_bundle) +
                        "': " + why);
    }
  } else {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  }
  SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_set_app_data(ctx_, this);
  SSL_CTX_sess_set_new_cb(ctx_, &TlsContext::on_new_session);
}

TlsContext::~TlsContext() {
  for (auto& [key, session] : sessions_) SSL_SESSION_free(session);
  SSL_CTX_free(ctx_);
}

int TlsContext::on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  auto* key = static_cast<const std::string*>(SSL_get_app_data(ssl));
  if (!self || !key) return 0;
  std::lock_guard lock(self->sessions_mutex_);
  SSL_SESSION*& slot = self->sessions_[*key];
  if (slot) SSL_SESSION_free(slot);
  slot = session;
  return 1;  // we keep the reference
}

SSL_SESSION* TlsContext::take_session(const std::string& key) {
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return nullptr;
  SSL_SESSION* session = it->second;
  sessions_.erase(it);  // a TLS 1.3 ticket is for one use
  return session;
}

Task<std::unique_ptr<Stream>> TlsContext::connect(Loop& loop, int fd, std::string peer, Millis idle_timeout,
                                                  std::string server_name) {
  SSL* ssl = SSL_new(ctx_);
  BIO* internal = nullptr;
  BIO* network = nullptr;
  if (!ssl || BIO_new_bio_pair(&internal, kBioPairSize, &network, kBioPairSize) != 1) {
    SSL_free(ssl);
    ::close(fd);
    throw NetworkError("TLS setup for " + peer + ": " + openssl_error_text());
  }
  SSL_set_bio(ssl, internal, internal);
  auto stream = std::make_unique<TlsStream>(loop, fd, peer, idle_timeout, ssl, network, server_name + "|" + peer);

  if (is_ip_literal(server_name)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server_name.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, server_name.c_str());
    SSL_set1_host(ssl, server_name.c_str());
  }
  if (SSL_SESSION* session = take_session(stream->session_key())) {
    SSL_set_session(ssl, session);
    SSL_SESSION_free(session);
  }
  co_await stream->handshake();
  co_return stream;
}

}  // namespace raws3::io
