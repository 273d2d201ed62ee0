// Where credentials, region and endpoint come from, in awscli's order: explicit options, the environment, the
// shared config and credentials files, the profile's credential_process. The environment is passed in, so
// that tests (and embedders) control it; HOME is read through it too.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "raws3/credentials.hpp"

namespace raws3::auth {

// The value of an environment variable, nullopt when unset. An empty value counts as unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The process environment (::getenv).
std::optional<std::string> process_env(std::string_view name);

struct ResolveRequest {
  // Used as given, ahead of everything else; must hold both keys.
  std::optional<Credentials> explicit_credentials;
  // --profile. Empty: AWS_PROFILE, else "default". An explicit profile also passes over the environment's
  // keys, as `aws --profile` does.
  std::string profile;
  std::string region;        // empty: AWS_REGION, AWS_DEFAULT_REGION, the profile's, "us-east-1"
  std::string endpoint_url;  // empty: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's, none (AWS)
};

struct ResolvedCredentials {
  Credentials credentials;
  // Where they came from: "explicit options", "environment", "/root/.aws/credentials [prod]",
  // "/root/.aws/config [profile prod] (credential_process)".
  std::string source;
};

struct ResolvedLocation {
  std::string region;
  std::string endpoint_url;  // empty: AWS's own endpoints
  std::string profile;       // the profile that was read
};

struct ResolvedSettings {
  Credentials credentials;
  std::string credentials_source;
  std::string region;
  std::string endpoint_url;
  std::string profile;
};

// Everything throws raws3::ConfigError, in one line: no credentials anywhere (naming every place looked in),
// a profile named explicitly that no file holds, aws_access_key_id without aws_secret_access_key (naming the
// file and profile), a broken file (naming file and line), a failing credential_process, an invalid region.
//
// Files: AWS_SHARED_CREDENTIALS_FILE else ~/.aws/credentials, with sections [name]; AWS_CONFIG_FILE else
// ~/.aws/config, with sections [profile name] and [default]. A missing file is skipped. A key in both files
// takes the credentials file's value, as in awscli. Both files are read on every call, even when the request
// holds everything already: as with awscli, a broken file or a missing named profile is an error either way.
ResolvedSettings resolve_settings(const ResolveRequest& request, const EnvLookup& env = process_env);

// Credentials alone: call again to run credential_process again when Credentials::expiration nears.
ResolvedCredentials resolve_credentials(const ResolveRequest& request, const EnvLookup& env = process_env);

// Region and endpoint alone, for callers that have to report them when there are no credentials.
ResolvedLocation resolve_region_and_endpoint(const ResolveRequest& request,
                                             const EnvLookup& env = process_env);

}  // namespace raws3::auth
