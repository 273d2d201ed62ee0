#include "blob/account.hpp"

#include <optional>

#include "auth/ascii.hpp"
#include "raws3/error.hpp"

namespace raws3::blob {

namespace {

std::string without_question_mark(std::string_view sas) {
  return std::string(sas.starts_with('?') ? sas.substr(1) : sas);
}

void fill(std::string& field, const std::string& from) {
  if (field.empty()) field = from;
}

}  // namespace

Account parse_connection_string(std::string_view text) {
  Account account;
  std::string protocol = "https";
  std::string suffix = "core.windows.net";
  bool development = false;
  while (!text.empty()) {
    const std::size_t end = text.find(';');
    const std::string_view item = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (item.empty()) continue;
    // Values may hold '=' (base64 keys, SAS tokens): only the first one separates.
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      throw ConfigError("the storage connection string has '" + std::string(item) + "', which is not Name=Value");
    const std::string_view name = item.substr(0, eq);
    const std::string value(item.substr(eq + 1));
    if (auth::ascii_iequals(name, "AccountName")) account.name = value;
    else if (auth::ascii_iequals(name, "AccountKey")) account.key = value;
    else if (auth::ascii_iequals(name, "SharedAccessSignature")) account.sas = without_question_mark(value);
    else if (auth::ascii_iequals(name, "BlobEndpoint")) account.endpoint = value;
    else if (auth::ascii_iequals(name, "DefaultEndpointsProtocol")) protocol = value;
    else if (auth::ascii_iequals(name, "EndpointSuffix")) suffix = value;
    else if (auth::ascii_iequals(name, "UseDevelopmentStorage")) development = auth::ascii_iequals(value, "true");
    // Other services' endpoints (QueueEndpoint, TableEndpoint, FileEndpoint) are not the Blob service's.
  }
  if (development) {
    fill(account.name, std::string(kDevelopmentAccount));
    fill(account.key, std::string(kDevelopmentKey));
    fill(account.endpoint, std::string(kDevelopmentEndpoint));
  }
  if (account.endpoint.empty() && !account.name.empty())
    account.endpoint = protocol + "://" + account.name + ".blob." + suffix;
  while (account.endpoint.ends_with('/')) account.endpoint.pop_back();
  return account;
}

Account resolve_account(Account given, std::string_view connection_string, const auth::EnvLookup& env) {
  given.sas = without_question_mark(given.sas);
  if (given.name.empty() || (given.key.empty() && given.sas.empty())) {
    std::optional<std::string> text = connection_string.empty()
                                          ? auth::env_value(env, "AZURE_STORAGE_CONNECTION_STRING")
                                          : std::optional<std::string>(connection_string);
    if (text) {
      const Account from = parse_connection_string(*text);
      // A connection string names one account: its key, token and endpoint go with that account only.
      if (given.name.empty() || given.name == from.name) {
        fill(given.name, from.name);
        fill(given.key, from.key);
        fill(given.sas, from.sas);
        fill(given.endpoint, from.endpoint);
      }
    }
  }
  if (given.name.empty()) given.name = auth::env_value(env, "AZURE_STORAGE_ACCOUNT").value_or("");
  if (given.key.empty() && given.sas.empty()) {
    given.key = auth::env_value(env, "AZURE_STORAGE_KEY").value_or("");
    if (given.key.empty()) given.sas = without_question_mark(auth::env_value(env, "AZURE_STORAGE_SAS_TOKEN").value_or(""));
  }
  if (given.name.empty())
    throw ConfigError("no storage account: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT (with "
                      "AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN)");
  if (given.endpoint.empty()) given.endpoint = "https://" + given.name + ".blob.core.windows.net";
  while (given.endpoint.ends_with('/')) given.endpoint.pop_back();
  return given;
}

}  // namespace raws3::blob
