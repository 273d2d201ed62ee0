// Azure Storage's SharedKey authorization for Blob requests: HMAC-SHA256, under the account key, of a
// string made of the verb, eleven standard header slots, the x-ms-* headers and the resource.
//
//   VERB \n Content-Encoding \n Content-Language \n Content-Length (empty for 0) \n Content-MD5 \n
//   Content-Type \n Date \n If-Modified-Since \n If-Match \n If-None-Match \n If-Unmodified-Since \n Range \n
//   x-ms-* headers, names lower-cased, sorted as the service sorts them, "name:value\n" each
//   /account + the request's path as sent + "\nname:value" per query parameter, names lower-cased and
//   sorted, values decoded
//
// With a loopback endpoint (Azurite) the path already starts with the account, so it appears twice:
// "/devstoreaccount1/devstoreaccount1/ctr/blob". x-ms-date and x-ms-version are the caller's to send.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.hpp"

namespace raws3::blob {

// What SharedKey signs of a request.
struct SignedParts {
  std::string_view method;
  std::string_view path;  // as sent: percent-encoded, without the query
  std::span<const std::pair<std::string, std::string>> query;  // names and values, decoded
  std::span<const http::Header> headers;  // names in any case
};

std::string shared_key_string_to_sign(std::string_view account, const SignedParts& request);

// The Authorization header's value: "SharedKey <account>:<base64 signature>". key: the account key as the
// portal and connection strings give it (base64); a key that is not base64 is a ConfigError.
std::string shared_key_authorization(std::string_view account, std::string_view key, const SignedParts& request);

}  // namespace raws3::blob
