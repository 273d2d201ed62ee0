// Which Blob account a client resolves, from explicit values, a connection string or the variables the
// Azure CLI reads.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>

#include "blob/account.hpp"
#include "raws3/error.hpp"

using namespace raws3;

namespace {

auth::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  };
}

}  // namespace

TEST_CASE("a connection string names the account, its key and its Blob endpoint, in any order") {
  const blob::Account a = blob::parse_connection_string(
      "DefaultEndpointsProtocol=http;AccountKey=a2V5==;AccountName=acct;BlobEndpoint=http://127.0.0.1:10000/acct/;");
  CHECK(a.name == "acct");
  CHECK(a.key == "a2V5==");  // the '=' of base64 belongs to the value
  CHECK(a.endpoint == "http://127.0.0.1:10000/acct");
  CHECK(a.sas.empty());
}

TEST_CASE("without BlobEndpoint the endpoint is built from the protocol, the account and the suffix") {
  CHECK(blob::parse_connection_string("AccountName=acct;AccountKey=k").endpoint == "https://acct.blob.core.windows.net");
  CHECK(blob::parse_connection_string("DefaultEndpointsProtocol=http;AccountName=acct;EndpointSuffix=core.chinacloudapi.cn")
            .endpoint == "http://acct.blob.core.chinacloudapi.cn");
}

TEST_CASE("UseDevelopmentStorage=true is Azurite's published account") {
  const blob::Account a = blob::parse_connection_string("UseDevelopmentStorage=true");
  CHECK(a.name == blob::kDevelopmentAccount);
  CHECK(a.key == blob::kDevelopmentKey);
  CHECK(a.endpoint == blob::kDevelopmentEndpoint);
}

TEST_CASE("a SAS in a connection string loses its leading '?'") {
  const blob::Account a =
      blob::parse_connection_string("BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=?sv=2021&sig=x%3D");
  CHECK(a.sas == "sv=2021&sig=x%3D");
  CHECK(a.key.empty());
}

TEST_CASE("a connection string item that is not Name=Value is a ConfigError naming it") {
  CHECK_THROWS_WITH(blob::parse_connection_string("AccountName=acct;garbage"), Catch::Contains("'garbage'"));
}

TEST_CASE("explicit values first, then the connection string, then AZURE_STORAGE_ACCOUNT and its key or token") {
  const auto env = env_of({{"AZURE_STORAGE_CONNECTION_STRING", "AccountName=fromcs;AccountKey=Y3M="},
                           {"AZURE_STORAGE_ACCOUNT", "fromvar"}, {"AZURE_STORAGE_KEY", "dmFy"}});
  blob::Account a = blob::resolve_account({}, {}, env);
  CHECK(a.name == "fromcs");
  CHECK(a.key == "Y3M=");
  CHECK(a.endpoint == "https://fromcs.blob.core.windows.net");
  a = blob::resolve_account({.name = "explicit", .key = "ZXg=", .sas = "", .endpoint = "http://127.0.0.1:1/explicit"}, {}, env);
  CHECK(a.name == "explicit");
  CHECK(a.key == "ZXg=");
  CHECK(a.endpoint == "http://127.0.0.1:1/explicit");
  // Another account than the connection string's takes nothing from it; AZURE_STORAGE_KEY goes with any
  // account named, as the Azure CLI takes it.
  a = blob::resolve_account({.name = "other", .key = "", .sas = "", .endpoint = ""}, {}, env);
  CHECK(a.key == "dmFy");
  CHECK(a.endpoint == "https://other.blob.core.windows.net");
  a = blob::resolve_account({}, {}, env_of({{"AZURE_STORAGE_ACCOUNT", "acct"}, {"AZURE_STORAGE_SAS_TOKEN", "?sv=1&sig=s"}}));
  CHECK(a.name == "acct");
  CHECK(a.key.empty());
  CHECK(a.sas == "sv=1&sig=s");
}

TEST_CASE("no account anywhere is a ConfigError that says what to set") {
  CHECK_THROWS_WITH(blob::resolve_account({}, {}, env_of({})), Catch::Contains("AZURE_STORAGE_CONNECTION_STRING"));
}

TEST_CASE("a connection string given comes before AZURE_STORAGE_CONNECTION_STRING; a SAS token loses its '?'") {
  const auto env = env_of({{"AZURE_STORAGE_CONNECTION_STRING", "AccountName=fromenv;AccountKey=ZW52"}});
  blob::Account a = blob::resolve_account({}, "UseDevelopmentStorage=true", env);
  CHECK(a.name == blob::kDevelopmentAccount);
  CHECK(a.endpoint == blob::kDevelopmentEndpoint);
  a = blob::resolve_account({.name = "acct", .key = "", .sas = "?sv=2&sig=x", .endpoint = ""}, {}, env);
  CHECK(a.sas == "sv=2&sig=x");
  CHECK(a.key.empty());
}
