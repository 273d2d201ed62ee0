#include "auth/credential_document.hpp"

#include "auth/timestamp.hpp"
#include "raws3/error.hpp"

namespace raws3::auth {

CredentialDocument::CredentialDocument(std::string_view json, std::string who, std::string verb)
    : who_(std::move(who)), verb_(std::move(verb)) {
  simdjson::dom::element root;
  if (const auto error = parser_.parse(json.data(), json.size()).get(root))
    fail(verb_ + " invalid JSON: " + simdjson::error_message(error));
  if (root.get(object_) != simdjson::SUCCESS) fail(verb_ + " JSON that is not an object");
}

void CredentialDocument::fail(std::string_view what) const { throw ConfigError(who_ + " " + std::string(what)); }

std::optional<std::string_view> CredentialDocument::string(std::string_view key) const {
  simdjson::dom::element value;
  if (object_.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) fail(verb_ + " a \"" + std::string(key) + "\" that is not a string");
  return text;
}

std::string CredentialDocument::required(std::string_view key) const {
  const auto text = string(key);
  if (!text || text->empty()) fail(verb_ + " no \"" + std::string(key) + "\"");
  return std::string(*text);
}

std::optional<std::int64_t> CredentialDocument::integer(std::string_view key) const {
  std::int64_t value = 0;
  if (object_.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

Credentials CredentialDocument::credentials(std::string_view token_key, bool token_required,
                                            bool expiration_required,
                                            std::chrono::system_clock::time_point now) const {
  Credentials credentials;
  credentials.access_key_id = required("AccessKeyId");
  credentials.secret_access_key = required("SecretAccessKey");
  credentials.session_token = token_required ? required(token_key) : std::string(string(token_key).value_or(""));
  if (expiration_required) required("Expiration");
  if (const auto expiration = string("Expiration"))
    credentials.expiration = parse_expiration(*expiration, who_, verb_, now);
  return credentials;
}

std::chrono::system_clock::time_point parse_expiration(std::string_view text, std::string_view who,
                                                       std::string_view verb,
                                                       std::chrono::system_clock::time_point now) {
  const auto at = parse_iso8601(text);
  if (!at)
    throw ConfigError(std::string(who) + " " + std::string(verb) +
                      " an \"Expiration\" that is not an ISO 8601 time: \"" + std::string(text) + "\"");
  if (*at <= now)
    throw ConfigError(std::string(who) + " returned credentials that expired at " + std::string(text));
  return *at;
}

}  // namespace raws3::auth
