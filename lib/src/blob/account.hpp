// Which storage account a Blob client talks to, and how it proves it, as the Azure CLI and SDKs take them:
// explicit values first, then AZURE_STORAGE_CONNECTION_STRING, then AZURE_STORAGE_ACCOUNT with
// AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN.
#pragma once

#include <string>
#include <string_view>

#include "auth/environment.hpp"

namespace raws3::blob {

struct Account {
  std::string name;
  std::string key;       // base64, for SharedKey; empty with a SAS token or for anonymous access
  std::string sas;       // a SAS token's query, without the leading '?'
  std::string endpoint;  // the Blob service's URL, e.g. https://acct.blob.core.windows.net or, for
                         // Azurite, http://127.0.0.1:10000/devstoreaccount1
};

// Azurite's published development account (UseDevelopmentStorage=true).
inline constexpr std::string_view kDevelopmentAccount = "devstoreaccount1";
inline constexpr std::string_view kDevelopmentKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
inline constexpr std::string_view kDevelopmentEndpoint = "http://127.0.0.1:10000/devstoreaccount1";

// "AccountName=...;AccountKey=...;BlobEndpoint=..." (any order; DefaultEndpointsProtocol, EndpointSuffix,
// SharedAccessSignature, UseDevelopmentStorage=true too). Throws ConfigError naming what is wrong.
Account parse_connection_string(std::string_view text);

// What `given` leaves empty, from connection_string when there is one, else from the environment; the
// endpoint, when still unknown, is the public cloud's for the account. Throws ConfigError when no account
// can be named.
Account resolve_account(Account given, std::string_view connection_string, const auth::EnvLookup& env);

}  // namespace raws3::blob
