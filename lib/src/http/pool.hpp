// The connections of one loop to one endpoint: idle ones are reused (warmest first), broken ones
// replaced, and at most max_conns are open at once; beyond that, callers wait their turn.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "http/connection.hpp"
#include "io/socket.hpp"
#include "io/tls.hpp"
#include "io/wait_queue.hpp"

namespace raws3::http {

struct PoolOptions {
  unsigned max_conns = 64;
  io::Millis connect_timeout{10'000};
  io::Millis idle_timeout{60'000};
  std::size_t zero_copy_min = 0;  // plain HTTP bodies of at least this many bytes are sent zero-copy; 0: never
};

class ConnectionPool;

// A connection on loan from its pool, handed back (idle or closed) however the borrower's scope ends.
class PooledConnection {
 public:
  PooledConnection(ConnectionPool& pool, std::unique_ptr<Connection> connection) noexcept
      : pool_(&pool), connection_(std::move(connection)) {}
  PooledConnection(PooledConnection&& other) noexcept = default;
  PooledConnection& operator=(PooledConnection&&) = delete;
  ~PooledConnection();

  Connection* operator->() const noexcept { return connection_.get(); }
  Connection& operator*() const noexcept { return *connection_; }

 private:
  ConnectionPool* pool_;
  std::unique_ptr<Connection> connection_;
};

class ConnectionPool {
 public:
  // tls null: plain TCP. server_name: for SNI and certificate checks.
  ConnectionPool(io::Loop& loop, std::string server_name, std::shared_ptr<io::AddressRing> addresses,
                 io::TlsContext* tls, PoolOptions options);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // An idle connection, else a new one; waits while max_conns are in use. With fresh, never an idle one
  // (after a reused connection turned out to be closed by the server).
  io::Task<PooledConnection> acquire(bool fresh = false);

  unsigned open_connections() const noexcept { return open_; }
  std::size_t idle_connections() const noexcept { return idle_.size(); }

 private:
  friend class PooledConnection;
  // Back to the idle list when it can serve again, else closed.
  void release(std::unique_ptr<Connection> connection);
  io::Task<std::unique_ptr<Connection>> connect();

  io::Loop& loop_;
  std::string server_name_;
  std::shared_ptr<io::AddressRing> addresses_;
  io::TlsContext* tls_;
  PoolOptions options_;
  std::vector<std::unique_ptr<Connection>> idle_;
  unsigned open_ = 0;
  io::WaitQueue waiters_;
};

}  // namespace raws3::http
