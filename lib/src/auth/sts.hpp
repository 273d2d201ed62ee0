// Credentials from AWS STS, as botocore gets them: AssumeRole (an assume-role profile: role_arn with a
// source_profile or a credential_source), signed with the source's credentials, and
// AssumeRoleWithWebIdentity (a web identity token file, EKS service accounts), sent unsigned. Both are
// Query API POSTs whose answer is an XML document.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/credential_provider.hpp"

namespace raws3::auth {

struct StsEndpoint {
  std::string url;     // "https://sts.us-east-1.amazonaws.com"
  std::string region;  // of the signature
  std::chrono::milliseconds timeout{10'000};
  // Transport failures, 5xx and throttling are tried again, after retry_pause, then twice that.
  unsigned attempts = 3;
  std::chrono::milliseconds retry_pause{250};
};

// The regional endpoint botocore uses: https://sts.<region>.amazonaws.com (.amazonaws.com.cn in China).
std::string sts_regional_url(std::string_view region);

struct AssumeRoleSettings {
  std::string role_arn;
  std::string session_name;  // empty: "raws3-session-<unix time>", fixed when the provider is made
  std::string external_id;   // empty: none
  std::optional<unsigned> duration_seconds;
};

struct WebIdentitySettings {
  std::string role_arn;
  std::string session_name;  // empty: as for AssumeRole
  std::string token_file;    // read at every fetch: the token is rotated under us
};

class AssumeRoleProvider final : public CredentialProvider {
 public:
  // source signs the call and is asked again at each refresh. place: the profile, for messages.
  AssumeRoleProvider(AssumeRoleSettings settings, StsEndpoint endpoint, std::unique_ptr<CredentialProvider> source,
                     std::string place);
  Credentials fetch(HttpTransport& transport) override;

 private:
  AssumeRoleSettings settings_;
  StsEndpoint endpoint_;
  std::unique_ptr<CredentialProvider> source_;
};

class WebIdentityProvider final : public CredentialProvider {
 public:
  // place: where the settings came from ("AWS_WEB_IDENTITY_TOKEN_FILE", a profile), for messages.
  WebIdentityProvider(WebIdentitySettings settings, StsEndpoint endpoint, std::string place);
  Credentials fetch(HttpTransport& transport) override;

 private:
  WebIdentitySettings settings_;
  StsEndpoint endpoint_;
};

// The calls, for tests: AssumeRole signed with source at now, AssumeRoleWithWebIdentity unsigned.
HttpCall assume_role_call(const AssumeRoleSettings& settings, const StsEndpoint& endpoint,
                          const Credentials& source, std::chrono::system_clock::time_point now);
HttpCall web_identity_call(const WebIdentitySettings& settings, const StsEndpoint& endpoint, std::string_view token);

// The credentials of a 200 answer (<Credentials> with AccessKeyId, SecretAccessKey, SessionToken,
// Expiration); any other answer is a raws3::ConfigError "<who>: <Code> (HTTP <status>): <Message>".
Credentials parse_sts_answer(const HttpAnswer& answer, std::string_view who, std::chrono::system_clock::time_point now);

}  // namespace raws3::auth
