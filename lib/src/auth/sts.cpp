#include "auth/sts.hpp"

#include <pugixml.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "auth/credential_document.hpp"
#include "auth/uri_encode.hpp"
#include "auth/url_parts.hpp"
#include "raws3/error.hpp"

namespace raws3::auth {
namespace {

using Clock = std::chrono::system_clock;

constexpr std::string_view kFormType = "application/x-www-form-urlencoded; charset=utf-8";
constexpr std::size_t kMaxMessage = 300;

std::string default_session_name() {
  return "raws3-session-" +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count());
}

// Query API parameters as an x-www-form-urlencoded body.
std::string form(std::initializer_list<std::pair<std::string_view, std::string_view>> parameters) {
  std::string body;
  for (const auto& [name, value] : parameters) {
    if (value.empty()) continue;
    if (!body.empty()) body += '&';
    uri_encode_append(body, name);
    body += '=';
    uri_encode_append(body, value);
  }
  return body;
}

UrlParts endpoint_parts(const StsEndpoint& endpoint) {
  auto parts = split_url(endpoint.url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https"))
    throw ConfigError("STS endpoint \"" + endpoint.url + "\" is not an http(s) URL");
  return *parts;
}

HttpCall post(const StsEndpoint& endpoint, std::string body) {
  HttpCall call{"POST", endpoint.url, {{"Content-Type", std::string(kFormType)}}, std::move(body), endpoint.timeout};
  return call;
}

bool transient(int status, std::string_view code) {
  return status == 500 || status == 502 || status == 503 || status == 504 || code == "Throttling" ||
         code == "ThrottlingException" || code == "RequestLimitExceeded" || code == "IDPCommunicationError";
}

std::string error_code(std::string_view body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return {};
  return doc.select_node("//*[local-name()='Error']/*[local-name()='Code']").node().child_value();
}

// Sends call (made anew by make for each attempt, so a signature is always fresh) until an answer that is
// not transient.
template <class Make>
Credentials exchange(HttpTransport& transport, const StsEndpoint& endpoint, const std::string& who, Make make) {
  std::chrono::milliseconds pause = endpoint.retry_pause;
  const unsigned attempts = std::max(1u, endpoint.attempts);
  for (unsigned attempt = 1;; ++attempt) {
    const bool last = attempt >= attempts;
    try {
      const HttpAnswer answer = transport.send(make());
      if (answer.status == 200 || last || !transient(answer.status, error_code(answer.body)))
        return parse_sts_answer(answer, who, Clock::now());
    } catch (const NetworkError& e) {
      if (last) throw ConfigError(who + ": " + e.what());
    }
    std::this_thread::sleep_for(pause);
    pause *= 2;
  }
}

}  // namespace

std::string sts_regional_url(std::string_view region) {
  const std::string_view domain = region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
  return "https://sts." + std::string(region) + std::string(domain);
}

HttpCall assume_role_call(const AssumeRoleSettings& settings, const StsEndpoint& endpoint,
                          const Credentials& source, Clock::time_point now) {
  const std::string duration = settings.duration_seconds ? std::to_string(*settings.duration_seconds) : "";
  HttpCall call = post(endpoint, form({{"Action", "AssumeRole"},
                                       {"Version", "2011-06-15"},
                                       {"RoleArn", settings.role_arn},
                                       {"RoleSessionName", settings.session_name},
                                       {"ExternalId", settings.external_id},
                                       {"DurationSeconds", duration}}));
  const UrlParts parts = endpoint_parts(endpoint);
  SignableRequest request{call.method, parts.path, {}, {{"Host", parts.authority}}};
  for (const Header& h : call.headers) request.headers.push_back(h);
  SigningParams params;
  params.region = endpoint.region;
  params.service = "sts";
  params.payload_hash = hex(sha256(call.body));
  params.add_content_sha256 = false;
  Signer().sign(request, source, params, now);
  call.headers = std::move(request.headers);  // Host among them: the transport sends what was signed
  return call;
}

HttpCall web_identity_call(const WebIdentitySettings& settings, const StsEndpoint& endpoint, std::string_view token) {
  endpoint_parts(endpoint);
  return post(endpoint, form({{"Action", "AssumeRoleWithWebIdentity"},
                              {"Version", "2011-06-15"},
                              {"RoleArn", settings.role_arn},
                              {"RoleSessionName", settings.session_name},
                              {"WebIdentityToken", token}}));
}

Credentials parse_sts_answer(const HttpAnswer& answer, std::string_view who, Clock::time_point now) {
  const std::string where(who);
  pugi::xml_document doc;
  const bool parsed = bool(doc.load_buffer(answer.body.data(), answer.body.size()));
  if (answer.status != 200) {
    const pugi::xml_node error = doc.select_node("//*[local-name()='Error']").node();
    std::string code = error ? error.select_node("*[local-name()='Code']").node().child_value() : "";
    std::string message = error ? error.select_node("*[local-name()='Message']").node().child_value() : "";
    if (code.empty()) code = "HTTP " + std::to_string(answer.status);
    else code += " (HTTP " + std::to_string(answer.status) + ")";
    if (message.size() > kMaxMessage) message = message.substr(0, kMaxMessage) + "...";
    throw ConfigError(where + ": " + code + (message.empty() ? "" : ": " + message));
  }
  const pugi::xml_node node = parsed ? doc.select_node("//*[local-name()='Credentials']").node() : pugi::xml_node();
  if (!node) throw ConfigError(where + ": the answer holds no <Credentials>");
  const auto field = [&](const char* name) {
    std::string value = node.select_node((std::string("*[local-name()='") + name + "']").c_str()).node().child_value();
    if (value.empty()) throw ConfigError(where + ": the answer's <Credentials> has no <" + name + ">");
    return value;
  };
  Credentials credentials;
  credentials.access_key_id = field("AccessKeyId");
  credentials.secret_access_key = field("SecretAccessKey");
  credentials.session_token = field("SessionToken");
  credentials.expiration = parse_expiration(field("Expiration"), where, "answered", now);
  return credentials;
}

AssumeRoleProvider::AssumeRoleProvider(AssumeRoleSettings settings, StsEndpoint endpoint,
                                       std::unique_ptr<CredentialProvider> source, std::string place)
    : CredentialProvider("AssumeRole " + settings.role_arn + " (" + place + ", STS " + endpoint.url + ")"),
      settings_(std::move(settings)),
      endpoint_(std::move(endpoint)),
      source_(std::move(source)) {
  if (settings_.session_name.empty()) settings_.session_name = default_session_name();
  endpoint_parts(endpoint_);
}

Credentials AssumeRoleProvider::fetch(HttpTransport& transport) {
  const Credentials source = source_->fetch(transport);
  return exchange(transport, endpoint_, this->source(),
                  [&] { return assume_role_call(settings_, endpoint_, source, Clock::now()); });
}

WebIdentityProvider::WebIdentityProvider(WebIdentitySettings settings, StsEndpoint endpoint, std::string place)
    : CredentialProvider("AssumeRoleWithWebIdentity " + settings.role_arn + " (" + place + ", STS " + endpoint.url +
                         ")"),
      settings_(std::move(settings)),
      endpoint_(std::move(endpoint)) {
  if (settings_.session_name.empty()) settings_.session_name = default_session_name();
  endpoint_parts(endpoint_);
}

Credentials WebIdentityProvider::fetch(HttpTransport& transport) {
  std::ifstream in(settings_.token_file, std::ios::binary);
  if (!in) throw ConfigError(source() + ": cannot read the token file '" + settings_.token_file + "': " + std::strerror(errno));
  std::string token{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // A token written with echo ends in a newline no token holds.
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) throw ConfigError(source() + ": the token file '" + settings_.token_file + "' is empty");
  return exchange(transport, endpoint_, source(), [&] { return web_identity_call(settings_, endpoint_, token); });
}

}  // namespace raws3::auth
