#include "auth/instance_metadata.hpp"

#include <optional>

#include "auth/credential_document.hpp"
#include "raws3/error.hpp"

namespace raws3::auth {
namespace {

constexpr std::string_view kTokenPath = "latest/api/token";
constexpr std::string_view kRolesPath = "latest/meta-data/iam/security-credentials/";
constexpr std::string_view kTokenTtlHeader = "x-aws-ec2-metadata-token-ttl-seconds";
constexpr std::string_view kTokenHeader = "x-aws-ec2-metadata-token";
constexpr std::string_view kTokenTtlSeconds = "21600";  // botocore's: six hours

// Why the service gave nothing; becomes the cause in the provider's message.
struct Unavailable {
  std::string cause;
};

std::string join(std::string_view base, std::string_view path) {
  std::string url(base);
  if (!url.ends_with('/')) url += '/';
  return url += path;
}

std::string trim(std::string_view text) {
  constexpr std::string_view kBlank = " \t\r\n";
  const auto first = text.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(kBlank) - first + 1));
}

class Session {
 public:
  Session(HttpTransport& transport, const ImdsSettings& settings) : transport_(transport), settings_(settings) {}

  // The IMDSv2 token; nullopt when the service refuses to give one (403, 404, 405: IMDSv1 only) or does not
  // answer (botocore goes on without it in both cases).
  std::optional<std::string> token() {
    HttpCall call{"PUT", join(settings_.endpoint, kTokenPath), {{std::string(kTokenTtlHeader), std::string(kTokenTtlSeconds)}},
                  {}, settings_.timeout};
    for (unsigned attempt = 0; attempt < settings_.attempts; ++attempt) {
      try {
        const HttpAnswer answer = transport_.send(call);
        if (answer.status == 200 && !answer.body.empty()) return answer.body;
        if (answer.status == 400) throw Unavailable{"PUT " + call.url + ": HTTP 400 (bad request)"};
        if (answer.status == 403 || answer.status == 404 || answer.status == 405) break;
        token_failure_ = "HTTP " + std::to_string(answer.status);
      } catch (const NetworkError& e) {
        token_failure_ = e.what();
      }
    }
    return std::nullopt;
  }

  // The body of a GET that answered 200 with something, within the attempts.
  std::string get(const std::string& url, const std::optional<std::string>& token) {
    HttpCall call{"GET", url, {}, {}, settings_.timeout};
    if (token) call.headers.push_back({std::string(kTokenHeader), *token});
    std::string cause;
    for (unsigned attempt = 0; attempt < settings_.attempts; ++attempt) {
      try {
        HttpAnswer answer = transport_.send(call);
        if (answer.status == 200 && !trim(answer.body).empty()) return std::move(answer.body);
        cause = answer.status == 200 ? "an empty answer" : "HTTP " + std::to_string(answer.status);
      } catch (const NetworkError& e) {
        cause = e.what();
      }
    }
    throw Unavailable{"GET " + url + ": " + cause};
  }

  const std::string& token_failure() const noexcept { return token_failure_; }

 private:
  HttpTransport& transport_;
  const ImdsSettings& settings_;
  std::string token_failure_;
};

}  // namespace

ImdsProvider::ImdsProvider(ImdsSettings settings, std::string searched)
    : CredentialProvider("instance metadata (" + settings.endpoint + ")"),
      settings_(std::move(settings)),
      searched_(std::move(searched)) {
  if (settings_.attempts == 0) settings_.attempts = 1;
}

Credentials ImdsProvider::ask(HttpTransport& transport) {
  Session session(transport, settings_);
  const std::optional<std::string> token = session.token();
  if (!token && settings_.v1_disabled)
    throw Unavailable{"no IMDSv2 token (" + (session.token_failure().empty() ? "refused" : session.token_failure()) +
                      ") and IMDSv1 is disabled"};
  const std::string roles_url = join(settings_.endpoint, kRolesPath);
  // One role per instance profile; the listing is its name.
  const std::string role = trim(session.get(roles_url, token));
  const std::string url = roles_url + role;
  return parse_imds_credentials(session.get(url, token), url, std::chrono::system_clock::now());
}

Credentials ImdsProvider::fetch(HttpTransport& transport) {
  try {
    Credentials credentials = ask(transport);
    answered_ = true;
    return credentials;
  } catch (const Unavailable& e) {
    if (!answered_ && !searched_.empty())
      throw ConfigError("no AWS credentials found: looked in " + searched_ + ", instance metadata (" +
                        settings_.endpoint + ": " + e.cause + ")");
    throw ConfigError(source() + ": " + e.cause);
  }
}

Credentials parse_imds_credentials(std::string_view json, std::string_view url,
                                   std::chrono::system_clock::time_point now) {
  const CredentialDocument doc(json, "instance metadata (" + std::string(url) + ")", "answered");
  // A role EC2 may not assume answers 200 with a Code and a Message instead of credentials.
  if (const auto code = doc.string("Code"); code && *code != "Success")
    doc.fail("answered " + std::string(*code) + ": " + std::string(doc.string("Message").value_or("")));
  return doc.credentials("Token", true, true, now);
}

}  // namespace raws3::auth
