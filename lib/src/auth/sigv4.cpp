#include "auth/sigv4.hpp"

#include <algorithm>
#include <array>

#include "auth/uri_encode.hpp"
#include "raws3/error.hpp"

namespace raws3::auth {
namespace {

using std::chrono::system_clock;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::chrono::seconds kMaxPresignExpiry{7 * 24 * 3600};

// Added or rewritten on the way by proxies and HTTP stacks: signing them breaks the signature. Authorization
// carries the signature itself.
constexpr std::array<std::string_view, 6> kNeverSigned = {
    "authorization", "connection", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id",
};

// The query parameters presign() owns.
constexpr std::array<std::string_view, 7> kPresignParams = {
    "X-Amz-Algorithm",     "X-Amz-Credential",     "X-Amz-Date",      "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature",
};

// The S3 family signs paths as sent: object keys are data, so "//", "." and ".." must survive.
constexpr std::array<std::string_view, 4> kS3Services = {"s3", "s3express", "s3-outposts", "s3-object-lambda"};

PathRules effective_rules(const SigningParams& params) {
  if (params.path_rules != PathRules::kByService) return params.path_rules;
  return std::ranges::find(kS3Services, params.service) != kS3Services.end() ? PathRules::kS3
                                                                              : PathRules::kNormalize;
}

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  return std::ranges::equal(a, b, [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

// Trims the value and folds every run of whitespace (a folded multi-line value included) to one space.
void fold_value(std::string& out, std::string_view value) {
  // Never longer than the value: size the output once and write through a pointer, no check per byte.
  out.resize(value.size());
  char* const begin = out.data();
  char* w = begin;
  bool gap = false;
  for (char c : value) {
    if (is_space(c)) {
      gap = w != begin;
      continue;
    }
    if (gap) *w++ = ' ';
    *w++ = c;
    gap = false;
  }
  out.resize(static_cast<std::size_t>(w - begin));
}

// The value of header `name`, emptied, added at the end when the request does not have it yet.
std::string& header_slot(std::vector<Header>& headers, std::string_view name) {
  for (Header& h : headers) {
    if (iequals(h.name, name)) {
      h.value.clear();
      return h.value;
    }
  }
  return headers.emplace_back(Header{std::string(name), {}}).value;
}

void put_digits(char* at, unsigned value, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// ISO 8601 basic format, UTC: 20130524T000000Z.
void format_amz_date(std::string& out, system_clock::time_point now) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(now);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  char text[16];
  // system_clock counts nanoseconds in 64 bits: its years (1677..2262) always have four digits.
  put_digits(text, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  put_digits(text + 4, static_cast<unsigned>(ymd.month()), 2);
  put_digits(text + 6, static_cast<unsigned>(ymd.day()), 2);
  text[8] = 'T';
  put_digits(text + 9, static_cast<unsigned>(hms.hours().count()), 2);
  put_digits(text + 11, static_cast<unsigned>(hms.minutes().count()), 2);
  put_digits(text + 13, static_cast<unsigned>(hms.seconds().count()), 2);
  text[15] = 'Z';
  out.assign(text, sizeof text);
}

std::span<const unsigned char> as_key(std::string_view text) noexcept {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace

const Digest& Signer::signing_key(const Credentials& creds, std::string_view date, std::string_view region,
                                  std::string_view service) {
  if (key_cache_enabled_ && key_valid_ && key_date_ == date && key_region_ == region && key_service_ == service &&
      key_secret_ == creds.secret_access_key) {
    return key_;
  }
  std::string seed;
  seed.reserve(4 + creds.secret_access_key.size());
  seed.append("AWS4").append(creds.secret_access_key);
  Digest k = hmac_sha256(as_key(seed), date);
  k = hmac_sha256(k, region);
  k = hmac_sha256(k, service);
  key_ = hmac_sha256(k, "aws4_request");

  key_date_.assign(date);
  key_region_.assign(region);
  key_service_.assign(service);
  key_secret_.assign(creds.secret_access_key);
  key_valid_ = true;
  ++key_derivations_;
  return key_;
}

void Signer::begin(const Credentials& creds, const SigningParams& params, system_clock::time_point now) {
  if (creds.empty()) throw ConfigError("cannot sign a request without an access key id and a secret key");
  if (params.region.empty() || params.service.empty()) {
    throw ConfigError("cannot sign a request without a region and a service name");
  }
  format_amz_date(amz_date_, now);
  const std::string_view date = std::string_view(amz_date_).substr(0, 8);
  scope_.assign(date).append("/").append(params.region).append("/").append(params.service).append("/aws4_request");
  signing_key(creds, date, params.region, params.service);
}

void Signer::collect_headers(const std::vector<Header>& headers, bool skip_session_token) {
  header_count_ = 0;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (header_count_ == headers_.size()) headers_.emplace_back();
    CanonicalHeader& slot = headers_[header_count_];
    slot.name.resize(headers[i].name.size());
    std::ranges::transform(headers[i].name, slot.name.begin(), ascii_lower);
    if (std::ranges::find(kNeverSigned, slot.name) != kNeverSigned.end() ||
        (skip_session_token && slot.name == "x-amz-security-token")) {
      continue;
    }
    fold_value(slot.value, headers[i].value);
    slot.order = i;
    ++header_count_;
  }
  const auto end = headers_.begin() + static_cast<std::ptrdiff_t>(header_count_);
  std::sort(headers_.begin(), end, [](const CanonicalHeader& a, const CanonicalHeader& b) {
    const int by_name = a.name.compare(b.name);
    return by_name != 0 ? by_name < 0 : a.order < b.order;
  });
  // One line per name: repeated headers are joined with ',' in the order they were sent.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < header_count_; ++i) {
    if (kept > 0 && headers_[kept - 1].name == headers_[i].name) {
      headers_[kept - 1].value.append(",").append(headers_[i].value);
    } else {
      if (kept != i) std::swap(headers_[kept], headers_[i]);
      ++kept;
    }
  }
  header_count_ = kept;

  // SigV4 always signs the host; without it the server answers an opaque SignatureDoesNotMatch.
  bool host = false;
  signed_headers_.clear();
  for (std::size_t i = 0; i < header_count_; ++i) {
    if (i > 0) signed_headers_.push_back(';');
    signed_headers_.append(headers_[i].name);
    host = host || headers_[i].name == "host";
  }
  if (!host) throw ConfigError("cannot sign a request without a Host header");
}

void Signer::append_canonical_path(std::string_view path, PathRules rules) {
  if (path.empty()) {
    canonical_.push_back('/');
    return;
  }
  switch (rules) {
    case PathRules::kByService:  // resolved by the caller
    case PathRules::kS3:
      canonical_.append(path);
      return;
    case PathRules::kEncodeOnce:
      uri_encode_append(canonical_, path, /*keep_slash=*/true);
      return;
    case PathRules::kNormalize:
      break;
  }
  segments_.clear();
  bool trailing_slash = false;
  for (std::size_t at = path.front() == '/' ? 1 : 0; at <= path.size();) {
    const std::size_t slash = std::min(path.find('/', at), path.size());
    const std::string_view segment = path.substr(at, slash - at);
    // The path names a directory when its last segment is empty, "." or "..".
    trailing_slash = segment.empty() || segment == "." || segment == "..";
    if (segment == "..") {
      if (!segments_.empty()) segments_.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments_.push_back(segment);
    }
    at = slash + 1;
  }
  for (std::string_view segment : segments_) {
    canonical_.push_back('/');
    uri_encode_append(canonical_, segment);
  }
  if (segments_.empty() || trailing_slash) canonical_.push_back('/');
}

void Signer::append_canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  query_count_ = 0;
  for (const auto& [key, value] : query) {
    if (query_count_ == query_.size()) query_.emplace_back();
    auto& slot = query_[query_count_++];
    slot.first.clear();
    slot.second.clear();
    uri_encode_append(slot.first, key);
    uri_encode_append(slot.second, value);
  }
  // Sorted by encoded key, then by encoded value.
  std::sort(query_.begin(), query_.begin() + static_cast<std::ptrdiff_t>(query_count_));
  for (std::size_t i = 0; i < query_count_; ++i) {
    if (i > 0) canonical_.push_back('&');
    canonical_.append(query_[i].first).append("=").append(query_[i].second);
  }
}

void Signer::compute(const SignableRequest& req, const SigningParams& params, std::string_view payload_hash) {
  canonical_.clear();
  canonical_.append(req.method).push_back('\n');
  append_canonical_path(req.path, effective_rules(params));
  canonical_.push_back('\n');
  append_canonical_query(req.query);
  canonical_.push_back('\n');
  for (std::size_t i = 0; i < header_count_; ++i) {
    canonical_.append(headers_[i].name).append(":").append(headers_[i].value).push_back('\n');
  }
  canonical_.push_back('\n');
  canonical_.append(signed_headers_).push_back('\n');
  canonical_.append(payload_hash);

  string_to_sign_.assign(kAlgorithm).append("\n").append(amz_date_).append("\n").append(scope_).push_back('\n');
  hex_append(string_to_sign_, sha256(canonical_));

  signature_.clear();
  hex_append(signature_, hmac_sha256(key_, string_to_sign_));
}

void Signer::sign(SignableRequest& req, const Credentials& creds, const SigningParams& params,
                  system_clock::time_point now) {
  begin(creds, params, now);
  const std::string_view payload_hash = params.payload_hash.empty() ? kEmptyPayloadSha256 : params.payload_hash;

  if (creds.session_token.empty()) {
    std::erase_if(req.headers, [](const Header& h) { return iequals(h.name, "x-amz-security-token"); });
  } else {
    header_slot(req.headers, "x-amz-security-token").assign(creds.session_token);
  }
  header_slot(req.headers, "x-amz-date").assign(amz_date_);
  if (params.add_content_sha256) header_slot(req.headers, "x-amz-content-sha256").assign(payload_hash);

  collect_headers(req.headers, params.omit_session_token);
  compute(req, params, payload_hash);

  std::string& authorization = header_slot(req.headers, "Authorization");
  authorization.reserve(kAlgorithm.size() + creds.access_key_id.size() + scope_.size() + signed_headers_.size() +
                        signature_.size() + 48);
  authorization.assign(kAlgorithm)
      .append(" Credential=")
      .append(creds.access_key_id)
      .append("/")
      .append(scope_)
      .append(", SignedHeaders=")
      .append(signed_headers_)
      .append(", Signature=")
      .append(signature_);
  streaming_ = payload_hash == kStreamingPayload;
}

void Signer::presign(SignableRequest& req, const Credentials& creds, const SigningParams& params,
                     system_clock::time_point now, std::chrono::seconds expires) {
  if (expires < std::chrono::seconds{1} || expires > kMaxPresignExpiry) {
    throw ConfigError("a presigned URL expires after 1 to 604800 seconds, not " + std::to_string(expires.count()));
  }
  begin(creds, params, now);
  std::string_view payload_hash = params.payload_hash;
  if (payload_hash.empty()) {
    payload_hash = effective_rules(params) == PathRules::kS3 ? kUnsignedPayload : kEmptyPayloadSha256;
  }

  std::erase_if(req.query, [](const auto& param) {
    return std::ranges::find(kPresignParams, param.first) != kPresignParams.end();
  });
  collect_headers(req.headers, params.omit_session_token);
  const bool token = !creds.session_token.empty();
  req.query.emplace_back("X-Amz-Algorithm", kAlgorithm);
  req.query.emplace_back("X-Amz-Credential", creds.access_key_id + '/' + scope_);
  req.query.emplace_back("X-Amz-Date", amz_date_);
  req.query.emplace_back("X-Amz-SignedHeaders", signed_headers_);
  req.query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  if (token && !params.omit_session_token) req.query.emplace_back("X-Amz-Security-Token", creds.session_token);

  compute(req, params, payload_hash);

  if (token && params.omit_session_token) req.query.emplace_back("X-Amz-Security-Token", creds.session_token);
  req.query.emplace_back("X-Amz-Signature", signature_);
  streaming_ = false;
}

}  // namespace raws3::auth
