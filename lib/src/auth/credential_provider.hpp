// A source of credentials, asked again each time its credentials near their expiration.
#pragma once

#include <string>

#include "auth/http_transport.hpp"
#include "raws3/credentials.hpp"

namespace raws3::auth {

class CredentialProvider {
 public:
  explicit CredentialProvider(std::string source) : source_(std::move(source)) {}
  virtual ~CredentialProvider() = default;
  CredentialProvider(const CredentialProvider&) = delete;
  CredentialProvider& operator=(const CredentialProvider&) = delete;

  // Credentials, with their expiration (none: long-term keys, never asked for again). Blocks: it may run a
  // command or send requests through transport, so it is never called on a loop thread. Throws
  // raws3::ConfigError naming the source and the cause.
  virtual Credentials fetch(HttpTransport& transport) = 0;

  // Where the credentials come from, for messages: "environment", "/root/.aws/credentials [prod]",
  // "instance metadata (http://169.254.169.254/)".
  const std::string& source() const noexcept { return source_; }

 private:
  std::string source_;
};

// Credentials known up front: explicit options, the environment, the shared files.
class StaticProvider final : public CredentialProvider {
 public:
  StaticProvider(Credentials credentials, std::string source)
      : CredentialProvider(std::move(source)), credentials_(std::move(credentials)) {}
  Credentials fetch(HttpTransport&) override { return credentials_; }

 private:
  Credentials credentials_;
};

}  // namespace raws3::auth
