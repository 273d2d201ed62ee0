// The JSON documents credential sources answer with: credential_process's output, instance metadata's and
// container endpoints' answers. All hold AccessKeyId, SecretAccessKey, a session token and Expiration;
// they differ in the token's name and in what is required.
#pragma once

#include <simdjson.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "raws3/credentials.hpp"

namespace raws3::auth {

// One document; every error is a raws3::ConfigError "<who> <verb> ...": who names the source
// ("credential_process \"helper\"", "instance metadata (http://169.254.169.254/...)"), verb says how it
// gave the document ("printed", "answered").
class CredentialDocument {
 public:
  CredentialDocument(std::string_view json, std::string who, std::string verb);
  CredentialDocument(const CredentialDocument&) = delete;
  CredentialDocument& operator=(const CredentialDocument&) = delete;

  // nullopt when absent or null (botocore reads optional fields with dict.get); not a string: an error.
  std::optional<std::string_view> string(std::string_view key) const;
  // Present and not empty.
  std::string required(std::string_view key) const;
  std::optional<std::int64_t> integer(std::string_view key) const;

  // The credentials in it. token_key: "SessionToken" or "Token". Without an Expiration (allowed only when
  // expiration_required is false) they are long-term keys. Credentials that expired at or before now are
  // an error.
  Credentials credentials(std::string_view token_key, bool token_required, bool expiration_required,
                          std::chrono::system_clock::time_point now) const;

  [[noreturn]] void fail(std::string_view what) const;
  const std::string& verb() const noexcept { return verb_; }

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::object object_;
  std::string who_;
  std::string verb_;
};

// Checks a time a source gave for when its credentials expire: ISO 8601 (auth/timestamp.hpp) and later
// than now. Throws raws3::ConfigError "<who> <verb> an \"Expiration\" ..." / "<who> returned credentials
// that expired at ...".
std::chrono::system_clock::time_point parse_expiration(std::string_view text, std::string_view who,
                                                       std::string_view verb,
                                                       std::chrono::system_clock::time_point now);

}  // namespace raws3::auth
