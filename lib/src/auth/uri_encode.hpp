// RFC 3986 percent-encoding as SigV4 and S3 want it (unreserved: A-Z a-z 0-9 - . _ ~; hex upper-case).
#pragma once

#include <string>
#include <string_view>

namespace raws3::auth {

// Encodes every byte outside the unreserved set; '/' is kept when keep_slash (an S3 object key in a path).
std::string uri_encode(std::string_view raw, bool keep_slash = false);
void uri_encode_append(std::string& out, std::string_view raw, bool keep_slash = false);

// Decodes %XX escapes (either case of hex); '+' is left as '+' (S3 paths and SigV4 query strings never
// mean space by it). Throws raws3::ConfigError on a malformed escape.
std::string uri_decode(std::string_view encoded);
// The same, but '+' is a space: form encoding, which S3 (AWS and MinIO alike) writes keys in when a listing
// asks for encoding-type=url ("a b+c" comes back as "a+b%2Bc"), and which the SDKs decode so.
std::string form_decode(std::string_view encoded);

}  // namespace raws3::auth
