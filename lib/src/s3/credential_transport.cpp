#include "s3/credential_transport.hpp"

#include <future>
#include <string_view>
#include <variant>

#include "http/connection.hpp"
#include "io/socket.hpp"
#include "io/stream.hpp"
#include "http/url.hpp"
#include "raws3/error.hpp"

namespace raws3::s3 {
namespace {

// Credentials documents are a few KiB; more is not one.
constexpr std::size_t kMaxAnswer = 1 << 20;

// A connection to the first of the host's addresses that takes one.
io::Task<std::unique_ptr<io::Stream>> open(io::Loop& loop, const std::vector<io::SocketAddress>& addresses,
                                           const std::string& host, io::TlsContext* tls, io::Millis timeout) {
  std::exception_ptr failure;
  for (const io::SocketAddress& address : addresses) {
    try {
      const int fd = co_await io::connect_tcp(loop, address, timeout);
      if (!tls) co_return std::make_unique<io::PlainStream>(loop, fd, address.text, timeout);
      co_return co_await tls->connect(loop, fd, address.text, timeout, host);
    } catch (const NetworkError&) {
      failure = std::current_exception();
    }
  }
  if (!failure) throw NetworkError("no address for " + host);
  std::rethrow_exception(failure);
}

// The one request, on a connection of its own that goes when the request is done.
io::Task<auth::HttpAnswer> exchange(io::Loop& loop, const std::vector<io::SocketAddress>& addresses,
                                    const std::string& host, io::TlsContext* tls, io::Millis timeout,
                                    const http::Request& request, const std::string& body) {
  http::Connection connection(co_await open(loop, addresses, host, tls, timeout));
  http::MemorySource source(http::as_bytes(body));
  co_await connection.send_request(request, body.empty() ? nullptr : &source);
  const http::ResponseHead head = *co_await connection.read_head(request.method == "HEAD");
  http::StringSink sink(kMaxAnswer);
  co_await connection.read_body(sink);
  co_return auth::HttpAnswer{head.status, sink.take()};
}

}  // namespace

CredentialTransport::CredentialTransport(io::Backend backend, io::TlsOptions tls)
    : backend_(backend), tls_options_(std::move(tls)) {}

CredentialTransport::~CredentialTransport() = default;

io::Loop& CredentialTransport::loop() {
  std::lock_guard lock(mutex_);
  if (!thread_) thread_ = std::make_unique<io::LoopThread>(backend_);
  return thread_->loop();
}

void CredentialTransport::abort() {
  aborted_.store(true, std::memory_order_release);
  std::lock_guard lock(mutex_);
  if (thread_) thread_->loop().post([&loop = thread_->loop()] { loop.cancel_in_flight(); });
}

auth::HttpAnswer CredentialTransport::send(const auth::HttpCall& call) {
  if (aborted_.load(std::memory_order_acquire)) throw Cancelled("credentials were not fetched: the client is stopping");
  // http::parse_url takes endpoints, which have no query; provider URLs may.
  const std::string_view text = call.url;
  const std::size_t query_at = text.find_first_of("?#");
  const http::Url url = http::parse_url(text.substr(0, query_at));
  std::string target = url.path.empty() ? "/" : url.path;
  if (query_at != std::string_view::npos && text[query_at] == '?') target += text.substr(query_at, text.find('#') - query_at);

  http::Request request{call.method, std::move(target), {}};
  bool has_host = false;
  for (const auth::Header& h : call.headers) has_host = has_host || h.name == "Host" || h.name == "host";
  if (!has_host) request.headers.push_back({"Host", url.authority()});
  for (const auth::Header& h : call.headers) request.headers.push_back({h.name, h.value});
  if (!call.body.empty() || call.method == "PUT" || call.method == "POST")
    request.headers.push_back({"Content-Length", std::to_string(call.body.size())});

  const std::vector<io::SocketAddress> addresses = io::resolve(url.host, url.port);
  io::TlsContext* tls = nullptr;
  if (url.tls()) {
    std::lock_guard lock(mutex_);
    if (!tls_) tls_ = std::make_unique<io::TlsContext>(tls_options_);
    tls = tls_.get();
  }
  io::Loop& on = loop();
  std::promise<auth::HttpAnswer> answer;
  on.post([&] {
    if (aborted_.load(std::memory_order_acquire)) {
      answer.set_exception(std::make_exception_ptr(Cancelled("credentials were not fetched: the client is stopping")));
      return;
    }
    io::spawn(exchange(on, addresses, url.host, tls, io::Millis(call.timeout.count()), request, call.body),
              [&](std::variant<std::monostate, auth::HttpAnswer> value, std::exception_ptr error) {
                if (error)
                  answer.set_exception(error);
                else
                  answer.set_value(std::move(std::get<1>(value)));
              });
  });
  try {
    return answer.get_future().get();
  } catch (const NetworkError&) {
    if (aborted_.load(std::memory_order_acquire)) throw Cancelled("credentials were not fetched: the client is stopping");
    throw;
  }
}

}  // namespace raws3::s3
