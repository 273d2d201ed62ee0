#include "http/pool.hpp"

namespace raws3::http {

ConnectionPool::ConnectionPool(io::Loop& loop, std::string server_name,
                               std::shared_ptr<io::AddressRing> addresses, io::TlsContext* tls,
                               PoolOptions options)
    : loop_(loop),
      server_name_(std::move(server_name)),
      addresses_(std::move(addresses)),
      tls_(tls),
      options_(options) {}

io::Task<std::unique_ptr<Connection>> ConnectionPool::connect() {
  const io::ConnectedSocket socket = co_await io::connect_any(loop_, *addresses_, options_.connect_timeout);
  if (!tls_) {
    auto stream = std::make_unique<io::PlainStream>(loop_, socket.fd, socket.peer, options_.idle_timeout);
    stream->set_zero_copy_min(options_.zero_copy_min);
    co_return std::make_unique<Connection>(std::move(stream));
  }
  // The handshake is bounded by the connect timeout; once up, the idle timeout applies.
  std::unique_ptr<io::Stream> stream =
      co_await tls_->connect(loop_, socket.fd, socket.peer, options_.connect_timeout, server_name_);
  stream->set_idle_timeout(options_.idle_timeout);
  co_return std::make_unique<Connection>(std::move(stream));
}

PooledConnection::~PooledConnection() {
  if (connection_) pool_->release(std::move(connection_));
}

io::Task<PooledConnection> ConnectionPool::acquire(bool fresh) {
  for (;;) {
    if (!fresh && !idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      co_return PooledConnection(*this, std::move(c));
    }
    if (fresh && !idle_.empty() && open_ >= options_.max_conns) {
      idle_.erase(idle_.begin());  // the coldest idle connection makes room for a fresh one
      --open_;
    }
    if (open_ < options_.max_conns) break;
    co_await waiters_.wait();
  }
  ++open_;
  try {
    co_return PooledConnection(*this, co_await connect());
  } catch (...) {
    --open_;
    waiters_.wake_one();
    throw;
  }
}

void ConnectionPool::release(std::unique_ptr<Connection> connection) {
  if (connection->reusable()) {
    idle_.push_back(std::move(connection));
  } else {
    connection.reset();
    --open_;
  }
  waiters_.wake_one();
}

}  // namespace raws3::http
