// What every loop of a client shares, read-only once the client is built (the address book and the
// credential cache excepted, which have their own locks): where to connect, as whom, and how.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "http/pool.hpp"
#include "http/url.hpp"
#include "io/socket.hpp"
#include "io/tls.hpp"
#include "raws3/config.hpp"
#include "s3/credential_cache.hpp"
#include "s3/logger.hpp"
#include "s3/retry_budget.hpp"

namespace raws3::s3 {

// The addresses of the hosts a client talks to, shared by its loops (virtual-hosted buckets add hosts).
class AddressBook {
 public:
  // The addresses of host, resolved on first use on a thread off the loop; the ring looks them up again
  // once they are older than ttl.
  io::Task<std::shared_ptr<io::AddressRing>> resolve(io::Loop& loop, const std::string& host, std::uint16_t port,
                                                     io::Millis ttl);

 private:
  std::shared_ptr<io::AddressRing> find(const std::string& host) const;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<io::AddressRing>> rings_;
};

class ObjectService;

struct Endpoint {
  Endpoint();
  ~Endpoint();

  // What the client speaks: S3 or Azure Blob. Set once, with the rest, when the client is built.
  std::unique_ptr<const ObjectService> service;
  http::Url url;
  Addressing addressing = Addressing::Auto;
  std::string region;
  std::unique_ptr<CredentialCache> credentials;  // null: anonymous, requests go unsigned
  http::PoolOptions pool;
  io::Millis dns_ttl{30'000};
  unsigned max_attempts = 5;
  ChecksumMode checksum_mode = ChecksumMode::WhenAvailable;
  std::unique_ptr<io::TlsContext> tls;  // null for plain HTTP
  mutable AddressBook addresses;  // fills as hosts are first used
  mutable RetryBudget retry_budget;
  Logger log;
  // How far the server's clock is ahead of ours, learnt from a RequestTimeTooSkewed answer's Date: every
  // signature after it is dated by the server's clock.
  mutable std::atomic<std::int64_t> clock_skew_ms{0};
  // Set once by Client::cancel(): requests fail with raws3::Cancelled, except the ones that clean up.
  mutable std::atomic<bool> cancelled{false};
};

}  // namespace raws3::s3
