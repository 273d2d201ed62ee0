#include "auth/credential_chain.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <utility>

#include "auth/credential_process.hpp"
#include "auth/profile_file.hpp"
#include "raws3/error.hpp"

namespace raws3::auth {
namespace {

constexpr std::string_view kDefaultProfile = "default";
constexpr std::string_view kDefaultRegion = "us-east-1";

// botocore tests variables for truth: an empty one is as good as unset.
std::optional<std::string> env_value(const EnvLookup& env, std::string_view name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

// botocore expands "~/" in these paths too. Without HOME the path stays as written and is not found.
std::string expand_home(std::string path, const EnvLookup& env) {
  if (path.starts_with("~/")) {
    if (const auto home = env_value(env, "HOME")) return *home + path.substr(1);
  }
  return path;
}

template <class Map>
const typename Map::mapped_type* find_in(const Map& map, std::string_view key) {
  const auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

// One of the two shared files, and the section of it that holds the profile.
struct SharedFile {
  std::string path;
  std::optional<ProfileFile> content;  // nullopt: no such file
  std::string section_name;            // "prod" in the credentials file, "profile prod" in the config file

  const ProfileSection* section() const {
    return content ? find_in(content->sections, section_name) : nullptr;
  }

  std::string place() const { return path + " [" + section_name + "]"; }

  // The place for an error message, with why it gave nothing: no file, no section, else when_present.
  std::string searched(std::string_view when_present) const {
    if (!content) return place() + " (file not found)";
    if (section() == nullptr) return place() + " (no such section)";
    return when_present.empty() ? place() : place() + " (" + std::string(when_present) + ")";
  }
};

struct ProfileValue {
  std::string_view text;
  const SharedFile* file;
};

struct Profile {
  std::string name;
  bool from_option = false;  // --profile, which passes over the environment's keys
  SharedFile credentials_file;
  SharedFile config_file;

  // In awscli's precedence: the credentials file's values win.
  std::array<const SharedFile*, 2> files() const { return {&credentials_file, &config_file}; }

  std::optional<ProfileValue> get(std::string_view key) const {
    for (const SharedFile* file : files()) {
      const ProfileSection* section = file->section();
      const std::string* value = section ? find_in(section->values, key) : nullptr;
      if (value && !value->empty()) return ProfileValue{*value, file};
    }
    return std::nullopt;
  }

  const ProfileValues* subsection(std::string_view key) const {
    for (const SharedFile* file : files()) {
      const ProfileSection* section = file->section();
      if (const ProfileValues* values = section ? find_in(section->subsections, key) : nullptr) return values;
    }
    return nullptr;
  }
};

SharedFile load_shared_file(std::string_view variable, std::string_view default_path, const EnvLookup& env) {
  SharedFile file;
  file.path = expand_home(env_value(env, variable).value_or(std::string(default_path)), env);
  file.content = load_profile_file(file.path);
  return file;
}

Profile load_profile(const ResolveRequest& request, const EnvLookup& env) {
  Profile profile;
  profile.from_option = !request.profile.empty();
  const auto from_env = env_value(env, "AWS_PROFILE");
  profile.name = profile.from_option ? request.profile : from_env.value_or(std::string(kDefaultProfile));

  profile.credentials_file = load_shared_file("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", env);
  profile.credentials_file.section_name = profile.name;
  profile.config_file = load_shared_file("AWS_CONFIG_FILE", "~/.aws/config", env);
  const auto& config = profile.config_file.content;
  // The config file names the default profile [default]; [profile default] is accepted and wins.
  const bool bare_default =
      profile.name == kDefaultProfile && !(config && config->sections.contains("profile default"));
  profile.config_file.section_name = bare_default ? profile.name : "profile " + profile.name;

  // Like awscli: the implicit default profile may be absent, a profile asked for by name may not.
  if ((profile.from_option || from_env) && profile.credentials_file.section() == nullptr &&
      profile.config_file.section() == nullptr)
    throw ConfigError("profile \"" + profile.name + "\" not found: looked in " +
                      profile.credentials_file.searched({}) + ", " + profile.config_file.searched({}));
  return profile;
}

std::optional<Credentials> from_environment(const EnvLookup& env) {
  auto access_key_id = env_value(env, "AWS_ACCESS_KEY_ID");
  if (!access_key_id) return std::nullopt;
  auto secret_access_key = env_value(env, "AWS_SECRET_ACCESS_KEY");
  if (!secret_access_key) throw ConfigError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  Credentials credentials;
  credentials.access_key_id = std::move(*access_key_id);
  credentials.secret_access_key = std::move(*secret_access_key);
  credentials.session_token = env_value(env, "AWS_SESSION_TOKEN").value_or("");
  return credentials;
}

std::optional<ResolvedCredentials> from_profile_keys(const Profile& profile) {
  const auto access_key_id = profile.get("aws_access_key_id");
  if (!access_key_id) return std::nullopt;
  const auto secret_access_key = profile.get("aws_secret_access_key");
  if (!secret_access_key)
    throw ConfigError(access_key_id->file->place() + ": aws_access_key_id without aws_secret_access_key");
  ResolvedCredentials resolved;
  resolved.credentials.access_key_id = access_key_id->text;
  resolved.credentials.secret_access_key = secret_access_key->text;
  if (const auto token = profile.get("aws_session_token")) resolved.credentials.session_token = token->text;
  resolved.source = access_key_id->file->place();
  return resolved;
}

ResolvedCredentials find_credentials(const ResolveRequest& request, const Profile& profile,
                                     const EnvLookup& env) {
  if (request.explicit_credentials) {
    if (request.explicit_credentials->empty())
      throw ConfigError("explicit credentials need both an access key id and a secret access key");
    return {*request.explicit_credentials, "explicit options"};
  }
  std::string searched = "explicit options";
  if (!profile.from_option) {
    if (auto credentials = from_environment(env)) return {std::move(*credentials), "environment"};
    searched += ", environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)";
  }
  if (auto resolved = from_profile_keys(profile)) return std::move(*resolved);
  if (const auto process = profile.get("credential_process"))
    return {run_credential_process(std::string(process->text)),
            process->file->place() + " (credential_process)"};
  for (const SharedFile* file : profile.files())
    searched += ", " + file->searched("no aws_access_key_id or credential_process");
  throw ConfigError("no AWS credentials found: looked in " + searched);
}

struct Setting {
  std::string value;
  std::string source;  // for error messages
};

std::optional<Setting> region_setting(const ResolveRequest& request, const Profile& profile,
                                      const EnvLookup& env) {
  if (!request.region.empty()) return Setting{request.region, "explicit options"};
  for (const std::string_view variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (auto value = env_value(env, variable)) return Setting{std::move(*value), std::string(variable)};
  }
  if (const auto value = profile.get("region"))
    return Setting{std::string(value->text), value->file->place()};
  return std::nullopt;
}

// botocore's rule, for the region becomes part of host names: letters, digits and inner '-', at most 63.
bool valid_region(std::string_view region) {
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  return !region.empty() && region.size() <= 63 && alnum(region.front()) && alnum(region.back()) &&
         std::all_of(region.begin(), region.end(), [&](char c) { return alnum(c) || c == '-'; });
}

std::string find_region(const ResolveRequest& request, const Profile& profile, const EnvLookup& env) {
  auto region = region_setting(request, profile, env);
  if (!region) return std::string(kDefaultRegion);
  if (!valid_region(region->value))
    throw ConfigError("invalid region \"" + region->value + "\" (from " + region->source + ")");
  return std::move(region->value);
}

std::optional<std::string> endpoint_in(const ProfileValues* s3) {
  const std::string* url = s3 ? find_in(*s3, "endpoint_url") : nullptr;
  if (url == nullptr || url->empty()) return std::nullopt;
  return *url;
}

// "s3 =\n  endpoint_url = ..." in the profile itself, or in the [services name] section that its
// "services = name" points at (awscli's form).
std::optional<std::string> s3_endpoint(const Profile& profile) {
  if (auto url = endpoint_in(profile.subsection("s3"))) return url;
  const auto services = profile.get("services");
  if (!services) return std::nullopt;
  const std::string section_name = "services " + std::string(services->text);
  const auto& config = profile.config_file.content;
  const ProfileSection* section = config ? find_in(config->sections, section_name) : nullptr;
  if (section == nullptr)
    throw ConfigError(services->file->place() + ": services = " + std::string(services->text) + ", but " +
                      profile.config_file.path + " has no [" + section_name + "] section");
  return endpoint_in(find_in(section->subsections, "s3"));
}

std::string find_endpoint(const ResolveRequest& request, const Profile& profile, const EnvLookup& env) {
  if (!request.endpoint_url.empty()) return request.endpoint_url;
  for (const std::string_view variable : {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
    if (auto value = env_value(env, variable)) return std::move(*value);
  }
  if (auto url = s3_endpoint(profile)) return std::move(*url);
  if (const auto url = profile.get("endpoint_url")) return std::string(url->text);
  return {};
}

}  // namespace

std::optional<std::string> process_env(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

ResolvedSettings resolve_settings(const ResolveRequest& request, const EnvLookup& env) {
  const Profile profile = load_profile(request, env);
  ResolvedCredentials resolved = find_credentials(request, profile, env);
  return {std::move(resolved.credentials), std::move(resolved.source), find_region(request, profile, env),
          find_endpoint(request, profile, env), profile.name};
}

ResolvedCredentials resolve_credentials(const ResolveRequest& request, const EnvLookup& env) {
  return find_credentials(request, load_profile(request, env), env);
}

ResolvedLocation resolve_region_and_endpoint(const ResolveRequest& request, const EnvLookup& env) {
  const Profile profile = load_profile(request, env);
  return {find_region(request, profile, env), find_endpoint(request, profile, env), profile.name};
}

}  // namespace raws3::auth
