#include "auth/container_credentials.hpp"

#include <arpa/inet.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "auth/credential_document.hpp"
#include "auth/url_parts.hpp"
#include "raws3/error.hpp"

namespace raws3::auth {
namespace {

constexpr std::string_view kRelativeVariable = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
constexpr std::string_view kFullVariable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr std::array<std::string_view, 4> kAllowedHosts = {"169.254.170.2", "169.254.170.23", "fd00:ec2::23",
                                                           "localhost"};

bool is_loopback(const std::string& host) {
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

void check_full_uri(const std::string& url) {
  const auto parts = split_url(url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https"))
    throw ConfigError(std::string(kFullVariable) + ": \"" + url + "\" is not an http(s) URL");
  if (parts->scheme == "https" || is_loopback(parts->host)) return;
  for (const std::string_view allowed : kAllowedHosts)
    if (parts->host == allowed) return;
  throw ConfigError(std::string(kFullVariable) + ": host \"" + parts->host +
                    "\" is not allowed over http: only loopback addresses, 169.254.170.2, 169.254.170.23, "
                    "fd00:ec2::23 and localhost (or use https)");
}

}  // namespace

std::optional<ContainerSettings> container_settings(const EnvLookup& env) {
  ContainerSettings settings;
  if (const auto relative = env_value(env, kRelativeVariable)) {
    settings.url = "http://" + std::string(kContainerHost) + *relative;
  } else if (const auto full = env_value(env, kFullVariable)) {
    check_full_uri(*full);
    settings.url = *full;
  } else {
    return std::nullopt;
  }
  settings.authorization_token = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN").value_or("");
  settings.authorization_token_file = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").value_or("");
  return settings;
}

ContainerProvider::ContainerProvider(ContainerSettings settings)
    : CredentialProvider("container credentials (" + settings.url + ")"), settings_(std::move(settings)) {
  if (settings_.attempts == 0) settings_.attempts = 1;
}

std::string ContainerProvider::authorization() const {
  std::string token = settings_.authorization_token;
  if (!settings_.authorization_token_file.empty()) {
    std::ifstream in(settings_.authorization_token_file, std::ios::binary);
    if (!in)
      throw ConfigError(source() + ": cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '" +
                        settings_.authorization_token_file + "': " + std::strerror(errno));
    token.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // It goes into a header as it is.
  if (token.find_first_of("\r\n") != std::string::npos)
    throw ConfigError(source() + ": the authorization token holds a line break, which no header value may");
  return token;
}

Credentials ContainerProvider::fetch(HttpTransport& transport) {
  HttpCall call{"GET", settings_.url, {{"Accept", "application/json"}}, {}, settings_.timeout};
  if (const std::string token = authorization(); !token.empty()) call.headers.push_back({"Authorization", token});
  std::string cause;
  for (unsigned attempt = 0; attempt < settings_.attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(settings_.retry_pause);
    try {
      const HttpAnswer answer = transport.send(call);
      if (answer.status == 200) return parse_container_credentials(answer.body, settings_.url, std::chrono::system_clock::now());
      cause = "HTTP " + std::to_string(answer.status) + (answer.body.empty() ? "" : ": " + answer.body.substr(0, 200));
    } catch (const NetworkError& e) {
      cause = e.what();
    }
  }
  throw ConfigError(source() + ": " + cause);
}

Credentials parse_container_credentials(std::string_view json, std::string_view url,
                                        std::chrono::system_clock::time_point now) {
  const CredentialDocument doc(json, "container credentials (" + std::string(url) + ")", "answered");
  return doc.credentials("Token", true, true, now);
}

}  // namespace raws3::auth
