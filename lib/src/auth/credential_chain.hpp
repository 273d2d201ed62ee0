// Where credentials, region and endpoint come from, in awscli's order. The environment is passed in, so
// that tests (and embedders) control it; HOME is read through it too.
//
// Credentials, first that has them wins (botocore's create_credential_resolver):
//   1. explicit options (Config::credentials)
//   2. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (or AWS_SECURITY_TOKEN),
//      AWS_CREDENTIAL_EXPIRATION; passed over when a profile is asked for by name (--profile)
//   3. an assume-role profile: role_arn with source_profile (chains allowed) or credential_source
//      (Environment, Ec2InstanceMetadata, EcsContainer); external_id, role_session_name, duration_seconds
//   4. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME] (not with
//      --profile), else the profile's web_identity_token_file + role_arn [+ role_session_name]
//   5. the credentials file's aws_access_key_id / aws_secret_access_key / aws_session_token
//   6. the profile's credential_process
//   7. the config file's aws_access_key_id / aws_secret_access_key / aws_session_token
//   8. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI)
//   9. instance metadata, unless AWS_EC2_METADATA_DISABLED=true
// Nothing a later step reads is read once an earlier one has the credentials: with keys in the
// environment no file is opened (the region and endpoint lookups may still read the config file).
//
// Files: AWS_SHARED_CREDENTIALS_FILE else ~/.aws/credentials, with sections [name]; AWS_CONFIG_FILE else
// ~/.aws/config, with sections [profile name] and [default]. A missing file is skipped. A key in both files
// takes the credentials file's value, as in awscli. A file that exists but cannot be read (EACCES) is an
// error only for a lookup that reaches it: the credential chain and the region, which would otherwise
// settle for what may be wrong; the endpoint lookup skips it, as awscli skips every unreadable file.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "auth/credential_provider.hpp"
#include "auth/environment.hpp"
#include "raws3/credentials.hpp"

namespace raws3::auth {

struct ResolveRequest {
  // Used as given, ahead of everything else; must hold both keys.
  std::optional<Credentials> explicit_credentials;
  // --profile. Empty: AWS_PROFILE, else "default". An explicit profile also passes over the environment's
  // keys, as `aws --profile` does.
  std::string profile;
  std::string region;        // empty: AWS_REGION, AWS_DEFAULT_REGION, the profile's, "us-east-1"
  std::string endpoint_url;  // empty: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's, none (AWS)
  bool anonymous = false;    // unsigned requests: no credentials are looked for
};

struct ResolvedLocation {
  std::string region;
  std::string endpoint_url;  // empty: AWS's own endpoints
  std::string profile;       // the profile that was (or would be) read
};

struct ResolvedSettings {
  // Where credentials come from; nothing has been fetched from it yet. Null when anonymous.
  std::unique_ptr<CredentialProvider> credentials;
  ResolvedLocation location;
};

// Everything throws raws3::ConfigError, in one line: no credentials anywhere (naming every place looked in;
// when instance metadata is the last resort, its fetch says so instead), a profile named explicitly that no
// file holds, aws_access_key_id without aws_secret_access_key (naming the file and profile), a broken file
// (naming file and line), a file that cannot be read (naming it and why), an assume-role profile that is
// inconsistent (both or neither of source_profile and credential_source, a loop of source profiles), an
// invalid region.
//
// STS (assume-role and web identity) is asked at AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's
// `sts = endpoint_url` (in it or its [services] section), its endpoint_url, else sts.<region>.amazonaws.com.
// Instance metadata: AWS_EC2_METADATA_SERVICE_ENDPOINT(_MODE), AWS_METADATA_SERVICE_TIMEOUT,
// AWS_METADATA_SERVICE_NUM_ATTEMPTS, AWS_EC2_METADATA_V1_DISABLED, or their config file keys.
ResolvedSettings resolve_settings(const ResolveRequest& request, const EnvLookup& env = process_env);

// The credentials alone (null when anonymous).
std::unique_ptr<CredentialProvider> resolve_credentials(const ResolveRequest& request,
                                                        const EnvLookup& env = process_env);

// Region and endpoint alone, for callers that have to report them when there are no credentials.
ResolvedLocation resolve_region_and_endpoint(const ResolveRequest& request, const EnvLookup& env = process_env);

}  // namespace raws3::auth
