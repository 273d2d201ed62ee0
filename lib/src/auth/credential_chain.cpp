#include "auth/credential_chain.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

#include "auth/ascii.hpp"
#include "auth/container_credentials.hpp"
#include "auth/credential_process.hpp"
#include "auth/instance_metadata.hpp"
#include "auth/profile_file.hpp"
#include "auth/sts.hpp"
#include "auth/timestamp.hpp"
#include "raws3/error.hpp"

namespace raws3::auth {
namespace {

constexpr std::string_view kDefaultProfile = "default";
constexpr std::string_view kDefaultRegion = "us-east-1";

// What a lookup does with a file that exists but cannot be read.
enum class Unreadable {
  fail,  // it may hold what is looked for: an error naming the file and why
  skip,  // as awscli does with every such file
};

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

struct SharedFile {
  std::string path;
  LoadedProfileFile loaded;

  const ProfileFile* content(Unreadable mode) const {
    if (!loaded.unreadable.empty() && mode == Unreadable::fail) throw ConfigError(loaded.unreadable);
    return loaded.content ? &*loaded.content : nullptr;
  }
};

// The credentials and config files, read together the first time a lookup needs the profile: a key may be
// in either.
class SharedFiles {
 public:
  explicit SharedFiles(const EnvLookup& env) : env_(env) {}

  const SharedFile& credentials() {
    load();
    return credentials_;
  }
  const SharedFile& config() {
    load();
    return config_;
  }

 private:
  void load() {
    if (loaded_) return;
    credentials_.path = expand_home(env_value(env_, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env_);
    config_.path = expand_home(env_value(env_, "AWS_CONFIG_FILE").value_or("~/.aws/config"), env_);
    credentials_.loaded = load_profile_file(credentials_.path);
    config_.loaded = load_profile_file(config_.path);
    loaded_ = true;
  }

  const EnvLookup& env_;
  bool loaded_ = false;
  SharedFile credentials_;
  SharedFile config_;
};

struct ProfileValue {
  std::string text;
  std::string place;  // "<file> [<section>]", for messages
};

// One profile: its section in each file.
class Profile {
 public:
  Profile(SharedFiles& files, std::string name, Unreadable mode) : name_(std::move(name)) {
    credentials_ = Side{&files.credentials(), files.credentials().content(mode), name_, nullptr};
    const ProfileFile* config = files.config().content(mode);
    // The config file names the default profile [default]; [profile default] is accepted and wins.
    const bool bare_default = name_ == kDefaultProfile && !(config && config->sections.contains("profile default"));
    config_ = Side{&files.config(), config, bare_default ? name_ : "profile " + name_, nullptr};
    for (Side* side : {&credentials_, &config_})
      side->section = side->content ? find_in(side->content->sections, side->section_name) : nullptr;
  }

  const std::string& name() const noexcept { return name_; }
  bool exists() const noexcept { return credentials_.section != nullptr || config_.section != nullptr; }

  // In awscli's precedence: the credentials file's values win.
  std::optional<ProfileValue> get(std::string_view key) const {
    if (auto value = credentials_.get(key)) return value;
    return config_.get(key);
  }
  std::optional<ProfileValue> in_credentials_file(std::string_view key) const { return credentials_.get(key); }
  std::optional<ProfileValue> in_config_file(std::string_view key) const { return config_.get(key); }

  const ProfileValues* subsection(std::string_view key) const {
    for (const Side* side : {&credentials_, &config_}) {
      if (const ProfileValues* values = side->section ? find_in(side->section->subsections, key) : nullptr)
        return values;
    }
    return nullptr;
  }

  // The config file's [name] section (a [services name] section), null when there is none.
  const ProfileSection* config_section(const std::string& section_name) const {
    return config_.content ? find_in(config_.content->sections, section_name) : nullptr;
  }
  const std::string& config_path() const noexcept { return config_.file->path; }

  // Both places, with why each gave nothing: no file, no section, else when_present.
  std::string searched(std::string_view when_present) const {
    return credentials_.searched(when_present) + ", " + config_.searched(when_present);
  }

 private:
  struct Side {
    const SharedFile* file;
    const ProfileFile* content;
    std::string section_name;  // "prod" in the credentials file, "profile prod" in the config file
    const ProfileSection* section;

    std::string place() const { return file->path + " [" + section_name + "]"; }
    std::optional<ProfileValue> get(std::string_view key) const {
      const std::string* value = section ? find_in(section->values, key) : nullptr;
      if (value == nullptr || value->empty()) return std::nullopt;
      return ProfileValue{*value, place()};
    }
    std::string searched(std::string_view when_present) const {
      if (!file->loaded.unreadable.empty()) return place() + " (" + file->loaded.unreadable + ")";
      if (!content) return place() + " (file not found)";
      if (!section) return place() + " (no such section)";
      return when_present.empty() ? place() : place() + " (" + std::string(when_present) + ")";
    }
  };

  std::string name_;
  Side credentials_{};
  Side config_{};
};

// botocore's rule, for the region becomes part of host names: letters, digits and inner '-', at most 63.
bool valid_region(std::string_view region) {
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  return !region.empty() && region.size() <= 63 && alnum(region.front()) && alnum(region.back()) &&
         std::all_of(region.begin(), region.end(), [&](char c) { return alnum(c) || c == '-'; });
}

std::optional<std::string> endpoint_in(const ProfileValues* service) {
  const std::string* url = service ? find_in(*service, "endpoint_url") : nullptr;
  if (url == nullptr || url->empty()) return std::nullopt;
  return *url;
}

// "s3 =\n  endpoint_url = ..." in the profile itself, or in the [services name] section that its
// "services = name" points at (awscli's form).
std::optional<std::string> service_endpoint(const Profile& profile, std::string_view service) {
  if (auto url = endpoint_in(profile.subsection(service))) return url;
  const auto services = profile.get("services");
  if (!services) return std::nullopt;
  const std::string section_name = "services " + services->text;
  const ProfileSection* section = profile.config_section(section_name);
  if (section == nullptr)
    throw ConfigError(services->place + ": services = " + services->text + ", but " + profile.config_path() +
                      " has no [" + section_name + "] section");
  return endpoint_in(find_in(section->subsections, service));
}

bool has_static_keys(const Profile& profile) {
  return profile.get("aws_access_key_id") || profile.get("aws_secret_access_key");
}

// botocore's test: a profile with a web identity token file is the web identity provider's, even with
// role_arn.
bool has_assume_role(const Profile& profile) {
  return profile.get("role_arn") && !profile.get("web_identity_token_file");
}

std::string session_token(const Profile& profile, std::optional<ProfileValue> (Profile::*in)(std::string_view) const) {
  for (const std::string_view key : {"aws_security_token", "aws_session_token"}) {
    if (auto token = (profile.*in)(key)) return token->text;
  }
  return {};
}

// The keys of one file's section (botocore's SharedCredentialProvider and ConfigProvider).
std::unique_ptr<CredentialProvider> static_keys(const Profile& profile,
                                                std::optional<ProfileValue> (Profile::*in)(std::string_view) const) {
  const auto access_key_id = (profile.*in)("aws_access_key_id");
  if (!access_key_id) return nullptr;
  const auto secret_access_key = (profile.*in)("aws_secret_access_key");
  if (!secret_access_key)
    throw ConfigError(access_key_id->place + ": aws_access_key_id without aws_secret_access_key");
  Credentials credentials{access_key_id->text, secret_access_key->text, session_token(profile, in), std::nullopt};
  return std::make_unique<StaticProvider>(std::move(credentials), access_key_id->place);
}

std::optional<unsigned> parse_count(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

class Resolver {
 public:
  Resolver(const ResolveRequest& request, const EnvLookup& env)
      : request_(request), env_(env), files_(env), from_option_(!request.profile.empty()) {
    const auto from_env = env_value(env, "AWS_PROFILE");
    named_ = from_option_ || from_env;
    profile_name_ = from_option_ ? request.profile : from_env.value_or(std::string(kDefaultProfile));
  }

  const std::string& profile_name() const noexcept { return profile_name_; }

  std::unique_ptr<CredentialProvider> credentials() {
    if (request_.anonymous) return nullptr;
    if (request_.explicit_credentials) {
      if (request_.explicit_credentials->empty())
        throw ConfigError("explicit credentials need both an access key id and a secret access key");
      return std::make_unique<StaticProvider>(*request_.explicit_credentials, "explicit options");
    }
    std::string searched = "explicit options";
    if (!from_option_) {
      if (auto provider = from_environment()) return provider;
      searched += ", environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)";
    }
    const Profile& main = profile(Unreadable::fail);
    std::vector<std::string> visited{main.name()};
    if (has_assume_role(main)) return assume_role(main, visited);
    if (auto provider = profile_providers(main, !from_option_)) return provider;
    if (!from_option_) searched += ", web identity (AWS_WEB_IDENTITY_TOKEN_FILE)";
    searched += ", " + main.searched("no aws_access_key_id, role_arn or credential_process");
    if (auto settings = container_settings(env_)) return std::make_unique<ContainerProvider>(std::move(*settings));
    searched += ", container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_CREDENTIALS_FULL_URI)";
    if (imds_disabled())
      throw ConfigError("no AWS credentials found: looked in " + searched +
                        ", instance metadata (disabled by AWS_EC2_METADATA_DISABLED)");
    return std::make_unique<ImdsProvider>(imds_settings(main), std::move(searched));
  }

  std::string region() {
    if (!region_) {
      std::string value(kDefaultRegion);
      std::string source;
      if (!request_.region.empty()) {
        value = request_.region;
        source = "explicit options";
      } else if (auto from_env = first_env({"AWS_REGION", "AWS_DEFAULT_REGION"})) {
        std::tie(value, source) = std::move(*from_env);
      } else if (auto from_profile = profile(Unreadable::fail).get("region")) {
        value = std::move(from_profile->text);
        source = std::move(from_profile->place);
      }
      if (!valid_region(value)) throw ConfigError("invalid region \"" + value + "\" (from " + source + ")");
      region_ = std::move(value);
    }
    return *region_;
  }

  // The endpoint of a service ("s3", "sts"), empty when none is configured.
  std::string endpoint(std::string_view service, const std::string& explicit_url, Unreadable mode) {
    if (!explicit_url.empty()) return explicit_url;
    std::string service_variable = "AWS_ENDPOINT_URL_";
    for (const char c : service) service_variable += char(std::toupper(static_cast<unsigned char>(c)));
    if (auto from_env = first_env({service_variable, "AWS_ENDPOINT_URL"})) return std::move(from_env->first);
    const Profile& main = profile(mode);
    if (auto url = service_endpoint(main, service)) return std::move(*url);
    if (auto url = main.get("endpoint_url")) return std::move(url->text);
    return {};
  }

 private:
  // The request's profile; one named explicitly (--profile, AWS_PROFILE) must exist.
  const Profile& profile(Unreadable mode) {
    std::optional<Profile>& slot = mode == Unreadable::fail ? strict_ : lenient_;
    if (!slot) {
      slot.emplace(files_, profile_name_, mode);
      const bool unknown = !files_.credentials().loaded.unreadable.empty() || !files_.config().loaded.unreadable.empty();
      if (named_ && !slot->exists() && !unknown)
        throw ConfigError("profile \"" + profile_name_ + "\" not found: looked in " + slot->searched({}));
    }
    return *slot;
  }

  std::optional<std::pair<std::string, std::string>> first_env(std::initializer_list<std::string_view> names) const {
    for (const std::string_view name : names) {
      if (auto value = env_value(env_, name)) return std::pair{std::move(*value), std::string(name)};
    }
    return std::nullopt;
  }

  std::unique_ptr<CredentialProvider> from_environment() const {
    auto access_key_id = env_value(env_, "AWS_ACCESS_KEY_ID");
    if (!access_key_id) return nullptr;
    auto secret_access_key = env_value(env_, "AWS_SECRET_ACCESS_KEY");
    if (!secret_access_key) throw ConfigError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    Credentials credentials{std::move(*access_key_id), std::move(*secret_access_key), {}, std::nullopt};
    if (auto token = first_env({"AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"})) credentials.session_token = token->first;
    if (const auto expiration = env_value(env_, "AWS_CREDENTIAL_EXPIRATION")) {
      credentials.expiration = parse_iso8601(*expiration);
      if (!credentials.expiration)
        throw ConfigError("AWS_CREDENTIAL_EXPIRATION: \"" + *expiration + "\" is not an ISO 8601 time");
    }
    return std::make_unique<StaticProvider>(std::move(credentials), "environment");
  }

  // botocore's profile providers, in their order: web identity, the credentials file's keys,
  // credential_process, the config file's keys. Null when the profile has none of them.
  std::unique_ptr<CredentialProvider> profile_providers(const Profile& profile, bool env_allowed) {
    if (auto provider = web_identity(profile, env_allowed)) return provider;
    if (auto provider = static_keys(profile, &Profile::in_credentials_file)) return provider;
    if (const auto process = profile.get("credential_process"))
      return std::make_unique<ProcessProvider>(process->text, process->place + " (credential_process)");
    return static_keys(profile, &Profile::in_config_file);
  }

  // The environment's value of a web identity setting (unless a profile was asked for by name), else the
  // profile's.
  std::optional<ProfileValue> web_identity_setting(const Profile& profile, bool env_allowed, std::string_view key,
                                                   std::string_view variable) const {
    if (env_allowed) {
      if (auto value = env_value(env_, variable)) return ProfileValue{std::move(*value), std::string(variable)};
    }
    return profile.get(key);
  }

  std::unique_ptr<CredentialProvider> web_identity(const Profile& profile, bool env_allowed) {
    const auto token_file =
        web_identity_setting(profile, env_allowed, "web_identity_token_file", "AWS_WEB_IDENTITY_TOKEN_FILE");
    if (!token_file) return nullptr;
    const auto role_arn = web_identity_setting(profile, env_allowed, "role_arn", "AWS_ROLE_ARN");
    if (!role_arn)
      throw ConfigError(token_file->place + ": a web identity token file without a role to assume (role_arn, "
                        "AWS_ROLE_ARN)");
    WebIdentitySettings settings{role_arn->text, {}, token_file->text};
    if (auto name = web_identity_setting(profile, env_allowed, "role_session_name", "AWS_ROLE_SESSION_NAME"))
      settings.session_name = std::move(name->text);
    return std::make_unique<WebIdentityProvider>(std::move(settings), sts(), token_file->place);
  }

  std::unique_ptr<CredentialProvider> assume_role(const Profile& profile, std::vector<std::string>& visited) {
    const ProfileValue role_arn = *profile.get("role_arn");
    const std::string& place = role_arn.place;
    if (profile.get("mfa_serial"))
      throw ConfigError(place + ": mfa_serial is not supported (there is nobody to ask for the code)");
    const auto source_profile = profile.get("source_profile");
    const auto credential_source = profile.get("credential_source");
    if (source_profile && credential_source)
      throw ConfigError(place + ": both source_profile and credential_source are set; a role takes one");
    if (!source_profile && !credential_source)
      throw ConfigError(place + ": role_arn needs source_profile or credential_source to assume it with");

    AssumeRoleSettings settings{role_arn.text, {}, {}, std::nullopt};
    if (auto name = profile.get("role_session_name")) settings.session_name = std::move(name->text);
    if (auto id = profile.get("external_id")) settings.external_id = std::move(id->text);
    if (const auto duration = profile.get("duration_seconds")) {
      settings.duration_seconds = parse_count(duration->text);
      if (!settings.duration_seconds)
        throw ConfigError(place + ": duration_seconds = " + duration->text + " is not a number of seconds");
    }
    auto source = credential_source ? from_credential_source(*credential_source)
                                    : from_source_profile(profile, *source_profile, visited);
    return std::make_unique<AssumeRoleProvider>(std::move(settings), sts(), std::move(source), place);
  }

  std::unique_ptr<CredentialProvider> from_source_profile(const Profile& parent, const ProfileValue& name,
                                                          std::vector<std::string>& visited) {
    Profile source(files_, name.text, Unreadable::fail);
    if (!source.exists())
      throw ConfigError(name.place + ": source_profile \"" + name.text + "\" does not exist: looked in " +
                        source.searched({}));
    // A profile may name itself, to take its own static keys as the source; any other repeat is a loop.
    const bool seen = std::find(visited.begin(), visited.end(), name.text) != visited.end();
    if (seen && (name.text != parent.name() || !has_static_keys(source))) {
      std::string chain;
      for (const std::string& step : visited) chain += step + " -> ";
      throw ConfigError(name.place + ": the source_profile chain loops: " + chain + name.text);
    }
    if (!seen) visited.push_back(name.text);
    if (!has_static_keys(source) && has_assume_role(source)) return assume_role(source, visited);
    if (auto provider = profile_providers(source, false)) return provider;
    throw ConfigError(name.place + ": source_profile \"" + name.text + "\" has no credentials: looked in " +
                      source.searched("no aws_access_key_id, web_identity_token_file or credential_process"));
  }

  std::unique_ptr<CredentialProvider> from_credential_source(const ProfileValue& source) {
    const std::string what = source.place + ": credential_source = " + source.text;
    if (ascii_iequals(source.text, "Environment")) {
      if (auto provider = from_environment()) return provider;
      throw ConfigError(what + ", but AWS_ACCESS_KEY_ID is not set");
    }
    if (ascii_iequals(source.text, "EcsContainer")) {
      if (auto settings = container_settings(env_)) return std::make_unique<ContainerProvider>(std::move(*settings));
      throw ConfigError(what + ", but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
    }
    if (ascii_iequals(source.text, "Ec2InstanceMetadata")) {
      if (imds_disabled()) throw ConfigError(what + ", but AWS_EC2_METADATA_DISABLED is true");
      return std::make_unique<ImdsProvider>(imds_settings(profile(Unreadable::fail)), std::string());
    }
    throw ConfigError(what + " is not one of Environment, Ec2InstanceMetadata, EcsContainer");
  }

  StsEndpoint sts() {
    StsEndpoint sts;
    sts.region = region();
    sts.url = endpoint("sts", {}, Unreadable::fail);
    if (sts.url.empty()) sts.url = sts_regional_url(sts.region);
    return sts;
  }

  bool imds_disabled() const {
    const auto value = env_value(env_, "AWS_EC2_METADATA_DISABLED");
    return value && ascii_iequals(*value, "true");
  }

  // A setting of the metadata service: its variable, else the profile's key.
  std::optional<ProfileValue> imds_setting(const Profile& profile, std::string_view variable, std::string_view key) const {
    if (auto value = env_value(env_, variable)) return ProfileValue{std::move(*value), std::string(variable)};
    return profile.get(key);
  }

  ImdsSettings imds_settings(const Profile& profile) const {
    ImdsSettings settings;
    if (auto url = imds_setting(profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint")) {
      if (!url->text.starts_with("http://") && !url->text.starts_with("https://"))
        throw ConfigError(url->place + ": \"" + url->text + "\" is not an http(s) URL");
      settings.endpoint = std::move(url->text);
    } else if (auto mode = imds_setting(profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                                        "ec2_metadata_service_endpoint_mode")) {
      if (ascii_iequals(mode->text, "IPv6"))
        settings.endpoint = kImdsEndpointIpv6;
      else if (!ascii_iequals(mode->text, "IPv4"))
        throw ConfigError(mode->place + ": \"" + mode->text + "\" is neither IPv4 nor IPv6");
    }
    if (auto timeout = imds_setting(profile, "AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout")) {
      double seconds = 0;
      const auto [end, ec] = std::from_chars(timeout->text.data(), timeout->text.data() + timeout->text.size(), seconds);
      if (ec != std::errc() || end != timeout->text.data() + timeout->text.size() || !(seconds > 0) || seconds > 3600)
        throw ConfigError(timeout->place + ": \"" + timeout->text + "\" is not a number of seconds");
      settings.timeout = std::chrono::milliseconds(std::llround(seconds * 1000));
    }
    if (auto attempts = imds_setting(profile, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts")) {
      const auto count = parse_count(attempts->text);
      if (!count || *count == 0 || *count > 100)
        throw ConfigError(attempts->place + ": \"" + attempts->text + "\" is not a number of attempts");
      settings.attempts = *count;
    }
    if (auto v1 = imds_setting(profile, "AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled"))
      settings.v1_disabled = ascii_iequals(v1->text, "true");
    return settings;
  }

  const ResolveRequest& request_;
  const EnvLookup& env_;
  SharedFiles files_;
  bool from_option_;  // --profile, which passes over the environment's keys
  bool named_;        // --profile or AWS_PROFILE: the profile must exist
  std::string profile_name_;
  std::optional<Profile> strict_;
  std::optional<Profile> lenient_;
  std::optional<std::string> region_;
};

}  // namespace

ResolvedSettings resolve_settings(const ResolveRequest& request, const EnvLookup& env) {
  Resolver resolver(request, env);
  ResolvedSettings settings;
  settings.credentials = resolver.credentials();
  settings.location.region = resolver.region();
  settings.location.endpoint_url = resolver.endpoint("s3", request.endpoint_url, Unreadable::skip);
  settings.location.profile = resolver.profile_name();
  return settings;
}

std::unique_ptr<CredentialProvider> resolve_credentials(const ResolveRequest& request, const EnvLookup& env) {
  return Resolver(request, env).credentials();
}

ResolvedLocation resolve_region_and_endpoint(const ResolveRequest& request, const EnvLookup& env) {
  Resolver resolver(request, env);
  std::string region = resolver.region();
  return {std::move(region), resolver.endpoint("s3", request.endpoint_url, Unreadable::skip), resolver.profile_name()};
}

}  // namespace raws3::auth
