// AWS credentials: a small value type.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace raws3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when not a temporary credential
  // When temporary credentials stop working (credential_process "Expiration"); none for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expiration;

  bool empty() const noexcept { return access_key_id.empty() || secret_access_key.empty(); }
};

}  // namespace raws3
