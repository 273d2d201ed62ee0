// Container credentials (ECS task roles, EKS Pod Identity), as botocore fetches them: a GET of
// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on 169.254.170.2, or of AWS_CONTAINER_CREDENTIALS_FULL_URI, with
// the authorization token of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at every fetch, since the agent
// rotates it) or AWS_CONTAINER_AUTHORIZATION_TOKEN.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "auth/credential_provider.hpp"
#include "auth/environment.hpp"

namespace raws3::auth {

inline constexpr std::string_view kContainerHost = "169.254.170.2";

struct ContainerSettings {
  std::string url;
  std::string authorization_token;
  std::string authorization_token_file;  // wins over authorization_token
  // botocore's: two seconds, three attempts a second apart.
  std::chrono::milliseconds timeout{2000};
  unsigned attempts = 3;
  std::chrono::milliseconds retry_pause{1000};
};

// nullopt when neither URI variable is set; the relative one wins. A full URI must be https, or http to a
// loopback address or one of the hosts the container agents use (169.254.170.2, 169.254.170.23,
// fd00:ec2::23, localhost): anything else is a raws3::ConfigError naming the variable, so that the token
// never goes to a host that is not the agent.
std::optional<ContainerSettings> container_settings(const EnvLookup& env);

class ContainerProvider final : public CredentialProvider {
 public:
  explicit ContainerProvider(ContainerSettings settings);
  Credentials fetch(HttpTransport& transport) override;

 private:
  std::string authorization() const;

  ContainerSettings settings_;
};

// AccessKeyId, SecretAccessKey, Token, Expiration.
Credentials parse_container_credentials(std::string_view json, std::string_view url,
                                        std::chrono::system_clock::time_point now);

}  // namespace raws3::auth
