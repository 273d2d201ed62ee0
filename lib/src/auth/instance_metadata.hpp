// EC2 instance metadata (IMDS) credentials, as botocore fetches them: a session token (IMDSv2, PUT
// /latest/api/token), then the instance profile's role name and that role's credentials, each GET carrying
// the token. A token that cannot be had falls back to IMDSv1 (the same GETs without it) unless that is
// disabled: a container behind one network hop too many gets no answer to the PUT, yet the GETs work.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "auth/credential_provider.hpp"

namespace raws3::auth {

inline constexpr std::string_view kImdsEndpoint = "http://169.254.169.254/";
inline constexpr std::string_view kImdsEndpointIpv6 = "http://[fd00:ec2::254]/";

struct ImdsSettings {
  // AWS_EC2_METADATA_SERVICE_ENDPOINT / ec2_metadata_service_endpoint; else by
  // AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE / ec2_metadata_service_endpoint_mode (IPv4, IPv6).
  std::string endpoint{kImdsEndpoint};
  // AWS_METADATA_SERVICE_TIMEOUT / metadata_service_timeout (seconds), botocore's default: a machine
  // that is not on EC2 loses about two of these (the PUT, then the IMDSv1 GET).
  std::chrono::milliseconds timeout{1000};
  unsigned attempts = 1;     // AWS_METADATA_SERVICE_NUM_ATTEMPTS / metadata_service_num_attempts
  bool v1_disabled = false;  // AWS_EC2_METADATA_V1_DISABLED / ec2_metadata_v1_disabled
};

class ImdsProvider final : public CredentialProvider {
 public:
  // searched: where the credential chain looked before it came here, its last resort: until the service
  // has answered once, a failure is "no AWS credentials found: looked in <searched>, instance metadata
  // (<endpoint>: <cause>)". Empty when a profile names it (credential_source = Ec2InstanceMetadata).
  ImdsProvider(ImdsSettings settings, std::string searched);
  Credentials fetch(HttpTransport& transport) override;

 private:
  Credentials ask(HttpTransport& transport);

  ImdsSettings settings_;
  std::string searched_;
  bool answered_ = false;
};

// The role's credentials document: Code "Success", AccessKeyId, SecretAccessKey, Token, Expiration.
Credentials parse_imds_credentials(std::string_view json, std::string_view url,
                                   std::chrono::system_clock::time_point now);

}  // namespace raws3::auth
