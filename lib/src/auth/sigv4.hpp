// AWS Signature Version 4: header signing, presigned URLs (query signing) and the signing-key cache.
// Pure functions over a request description: no I/O here. The clock is always passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/hash.hpp"
#include "raws3/credentials.hpp"

namespace raws3::auth {

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
// SHA-256 of the empty string, the payload hash of every body-less request.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Header {
  std::string name;
  std::string value;
};

// What is signed. The caller keeps it and sends exactly this.
struct SignableRequest {
  std::string method;  // "GET"
  // The request path exactly as it goes on the wire, already percent-encoded (S3: each key segment
  // encoded once, '/' kept). The S3 signer uses it as is; the generic-service signer normalises it
  // and encodes it once more, as the AWS suite expects.
  std::string path;
  // Query parameters, decoded; encoded and sorted by the signer. A key without '=' has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
  // Every header that goes on the wire, host included. Names in any case. A header that proxies rewrite
  // (User-Agent, Expect, Connection, Transfer-Encoding, X-Amzn-Trace-Id) is sent but not signed.
  std::vector<Header> headers;
};

// How the canonical path is made from SignableRequest::path.
enum class PathRules : std::uint8_t {
  kByService,   // kS3 for S3 and its variants (service "s3", "s3express", "s3-outposts"...), else kNormalize
  kS3,          // the path as given: already encoded once, never normalised ("//", "." and ".." are key bytes)
  kEncodeOnce,  // encoded once more, '/' kept, not normalised
  kNormalize,   // "." / ".." / empty segments removed (RFC 3986 section 5.2.4), then encoded once more
};

struct SigningParams {
  std::string region;               // "us-east-1"
  std::string service = "s3";
  // Hex SHA-256 of the body, kUnsignedPayload or kStreamingPayload. Empty: no body (kEmptyPayloadSha256),
  // except for a presigned S3 request, whose body the signer never sees (kUnsignedPayload).
  std::string payload_hash;
  bool add_content_sha256 = true;   // add x-amz-content-sha256 (S3 always wants it); header signing only
  bool omit_session_token = false;  // sign without the token, add it afterwards (some services want this)
  PathRules path_rules = PathRules::kByService;
};

// Not thread-safe: it keeps the key cache and scratch buffers. Give each thread its own.
class Signer {
 public:
  // Sets x-amz-security-token (when the credentials have a token, else removes it), x-amz-date,
  // x-amz-content-sha256 (with add_content_sha256) and Authorization in req.headers, replacing earlier
  // values: signing the same request again (a retry) is fine.
  void sign(SignableRequest& req, const Credentials& creds, const SigningParams& params,
            std::chrono::system_clock::time_point now);

  // Query signing: adds X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Expires,
  // X-Amz-Security-Token and X-Amz-Signature to req.query, replacing those of an earlier presign. Expiry
  // 1 s..7 days, else raws3::ConfigError. The headers are signed but left as they are.
  void presign(SignableRequest& req, const Credentials& creds, const SigningParams& params,
               std::chrono::system_clock::time_point now, std::chrono::seconds expires);

  // The derived key for (date YYYYMMDD, region, service, secret). Deriving costs four HMACs, so the last
  // key is kept and reused while its inputs stay the same (unless the cache is turned off).
  const Digest& signing_key(const Credentials& creds, std::string_view date, std::string_view region,
                            std::string_view service);
  void set_key_cache(bool enabled) noexcept { key_cache_enabled_ = enabled; }
  // How many keys were derived so far: a cache hit derives none.
  std::uint64_t key_derivations() const noexcept { return key_derivations_; }

  // What the last sign() or presign() computed, valid until the next call.
  const std::string& canonical_request() const noexcept { return canonical_; }
  const std::string& string_to_sign() const noexcept { return string_to_sign_; }
  const std::string& signature() const noexcept { return signature_; }

 private:
  friend class ChunkSigner;  // continues the signature chain of an aws-chunked upload

  struct CanonicalHeader {
    std::string name;  // lower-case
    std::string value;  // trimmed, whitespace runs folded to one space
    std::size_t order;  // position in the request: duplicates are joined in the order they came
  };

  // Sets amz_date_ and scope_ and makes sure key_ is the key for them.
  void begin(const Credentials& creds, const SigningParams& params, std::chrono::system_clock::time_point now);
  // Fills headers_ and signed_headers_ from the request's signable headers.
  void collect_headers(const std::vector<Header>& headers, bool skip_session_token);
  void append_canonical_path(std::string_view path, PathRules rules);
  void append_canonical_query(const std::vector<std::pair<std::string, std::string>>& query);
  // Builds canonical_, string_to_sign_ and signature_ (after begin() and collect_headers()).
  void compute(const SignableRequest& req, const SigningParams& params, std::string_view payload_hash);

  bool key_cache_enabled_ = true;
  std::uint64_t key_derivations_ = 0;
  bool key_valid_ = false;
  std::string key_date_, key_region_, key_service_, key_secret_;
  Digest key_{};

  // Scratch, reused across calls so that a warm Signer seldom allocates.
  std::string amz_date_;  // 20130524T000000Z
  std::string scope_;     // 20130524/us-east-1/s3/aws4_request
  std::vector<CanonicalHeader> headers_;
  std::size_t header_count_ = 0;
  std::string signed_headers_;
  std::vector<std::pair<std::string, std::string>> query_;  // encoded
  std::size_t query_count_ = 0;
  std::vector<std::string_view> segments_;
  std::string canonical_;
  std::string string_to_sign_;
  std::string signature_;
  bool streaming_ = false;  // the last signature was a header signature with kStreamingPayload
};

}  // namespace raws3::auth
