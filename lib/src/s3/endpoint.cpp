#include "s3/endpoint.hpp"

#include "s3/loop_context.hpp"

namespace raws3::s3 {

Endpoint::Endpoint() = default;
Endpoint::~Endpoint() = default;

io::Task<std::shared_ptr<io::AddressRing>> AddressBook::resolve(io::Loop& loop, const std::string& host,
                                                                 std::uint16_t port, io::Millis ttl) {
  if (auto ring = find(host)) co_return ring;
  std::vector<io::SocketAddress> addresses;
  std::exception_ptr error;
  auto lookup = loop.off_loop([&] {
    try {
      addresses = io::resolve(host, port);
    } catch (...) {
      error = std::current_exception();
    }
  });
  co_await lookup;
  if (error) std::rethrow_exception(error);
  std::lock_guard lock(mutex_);
  // Another loop may have resolved it meanwhile: keep the first, so all loops share one rotation.
  co_return rings_.emplace(host, std::make_shared<io::AddressRing>(host, port, std::move(addresses), ttl))
      .first->second;
}

std::shared_ptr<io::AddressRing> AddressBook::find(const std::string& host) const {
  std::lock_guard lock(mutex_);
  auto it = rings_.find(host);
  return it == rings_.end() ? nullptr : it->second;
}

io::Task<http::ConnectionPool*> LoopContext::pool_for(const std::string& host) {
  auto it = pools_.find(host);
  if (it != pools_.end()) co_return it->second.get();
  auto addresses = co_await endpoint_.addresses.resolve(loop_, host, endpoint_.url.port, endpoint_.dns_ttl);
  auto& slot = pools_[host];
  if (!slot)
    slot = std::make_unique<http::ConnectionPool>(loop_, host, std::move(addresses), endpoint_.tls.get(),
                                                  endpoint_.pool);
  co_return slot.get();
}

}  // namespace raws3::s3
