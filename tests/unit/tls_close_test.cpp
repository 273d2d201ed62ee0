// The end of a TLS stream against a scripted peer (OpenSSL as the server on a socketpair, its certificate
// made for the test with the openssl command): a body that only the close ends must end with close_notify.
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "http/connection.hpp"
#include "io/loop.hpp"
#include "io/tls.hpp"
#include "raws3/error.hpp"

using namespace raws3;
namespace fs = std::filesystem;

namespace {

// A self-signed certificate for "localhost", removed with its directory.
struct Certificate {
  fs::path dir = fs::temp_directory_path() / ("raws3-tls-close-" + std::to_string(::getpid()));
  fs::path cert = dir / "cert.pem";
  fs::path key = dir / "key.pem";
  Certificate() {
    fs::create_directories(dir);
    const std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                                "-addext subjectAltName=DNS:localhost -keyout " + key.string() + " -out " +
                                cert.string() + " >/dev/null 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
  }
  ~Certificate() { fs::remove_all(dir); }
};

// Answers one request with `reply`, then closes: with close_notify first, or as a cut connection does.
struct TlsPeer {
  int fds[2] = {-1, -1};
  std::thread thread;

  TlsPeer(const Certificate& certificate, std::string reply, bool close_notify) {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    thread = std::thread([fd = fds[1], &certificate, reply, close_notify] {
      SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
      SSL_CTX_use_certificate_file(ctx, certificate.cert.c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx, certificate.key.c_str(), SSL_FILETYPE_PEM);
      SSL* ssl = SSL_new(ctx);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) {
        std::string request;
        char buf[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          const int n = SSL_read(ssl, buf, sizeof buf);
          if (n <= 0) break;
          request.append(buf, std::size_t(n));
        }
        SSL_write(ssl, reply.data(), int(reply.size()));
        if (close_notify) SSL_shutdown(ssl);
      }
      ::shutdown(fd, SHUT_WR);
      SSL_free(ssl);
      SSL_CTX_free(ctx);
    });
  }
  ~TlsPeer() {
    thread.join();
    ::close(fds[1]);
  }
};

// One GET over TLS on fd (which it takes) into outcome: the body, or the error that ended it. A named
// coroutine, not a lambda: a temporary lambda's closure is gone before the loop resumes the coroutine.
io::Task<void> fetch(io::TlsContext& tls, io::Loop& loop, int fd, std::string& outcome) {
  try {
    io::Task<std::unique_ptr<io::Stream>> connect = tls.connect(loop, fd, "peer", io::Millis(5000), "localhost");
    http::Connection connection(co_await std::move(connect));
    const http::Request request{"GET", "/b/k", {{"Host", "localhost"}}};
    co_await connection.send_request(request, nullptr);
    co_await connection.read_head(false);
    http::StringSink sink(1 << 20);
    co_await connection.read_body(sink);
    outcome = "body: " + sink.take();
  } catch (const std::exception& e) {
    outcome = std::string("error: ") + e.what();
  }
}

std::string get_over_tls(const Certificate& certificate, int fd) {
  io::Loop loop;
  io::TlsContext tls(io::TlsOptions{.verify = true, .ca_bundle = certificate.cert.string()});
  std::string outcome;
  io::spawn(fetch(tls, loop, fd, outcome), [&](std::exception_ptr) { loop.request_stop(); });
  loop.run();
  return outcome;
}

}  // namespace

TEST_CASE("over TLS, a body that only the close ends needs close_notify; a framed one does not", "[tls]") {
  const Certificate certificate;
  const std::string unframed = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it";
  {
    TlsPeer peer(certificate, unframed, true);
    CHECK(get_over_tls(certificate, peer.fds[0]) == "body: all of it");
  }
  {
    TlsPeer peer(certificate, unframed, false);
    CHECK_THAT(get_over_tls(certificate, peer.fds[0]),
               Catch::StartsWith("error: ") && Catch::Contains("closed without TLS close_notify"));
  }
  {
    // Content-Length says where the body ends: a close without close_notify after it is no loss.
    TlsPeer peer(certificate, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nall of it", false);
    CHECK(get_over_tls(certificate, peer.fds[0]) == "body: all of it");
  }
}
