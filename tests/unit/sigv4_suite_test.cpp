// The AWS Signature Version 4 test suite (tests/data/sigv4/v4, from aws-c-auth): every case signed with
// headers and with query parameters under the generic service's path rules, and again under S3's where the
// case applies to them (see tests/data/sigv4/README.md).
#include <simdjson.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "auth/hash.hpp"
#include "auth/sigv4.hpp"
#include "auth/uri_encode.hpp"

namespace fs = std::filesystem;
using namespace raws3::auth;
using std::chrono::system_clock;

namespace {

const fs::path kSuite = fs::path(RAWS3_TEST_DATA) / "sigv4" / "v4";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A request as the suite writes it: request line, headers (a continuation line stays in the value after a
// '\n'), an empty line, the body.
struct RawRequest {
  std::string method;
  std::string target;  // path[?query], exactly as in the request line (it may hold spaces)
  std::vector<Header> headers;
  std::string body;

  std::string path() const { return target.substr(0, target.find('?')); }
  std::string query() const {
    const auto mark = target.find('?');
    return mark == std::string::npos ? std::string() : target.substr(mark + 1);
  }
};

RawRequest parse_request(std::string_view text) {
  RawRequest req;
  auto next_line = [&text] {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    return line;
  };
  const std::string_view request_line = next_line();
  const auto first_space = request_line.find(' ');
  const auto last_space = request_line.rfind(' ');
  REQUIRE(first_space < last_space);
  req.method = request_line.substr(0, first_space);
  req.target = request_line.substr(first_space + 1, last_space - first_space - 1);
  while (!text.empty()) {
    const std::string_view line = next_line();
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      REQUIRE(!req.headers.empty());
      req.headers.back().value.append("\n").append(line);
      continue;
    }
    const auto colon = line.find(':');
    REQUIRE(colon != std::string_view::npos);
    req.headers.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  req.body = text;
  return req;
}

// The request with header names lower-cased, as one text: HTTP names are case-insensitive.
std::string comparable(const RawRequest& req) {
  std::string out = req.method + ' ' + req.target + '\n';
  for (const Header& h : req.headers) {
    for (char c : h.name) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    out.append(":").append(h.value).append("\n");
  }
  return out + '\n' + req.body;
}

std::vector<std::pair<std::string, std::string>> decode_query(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!text.empty()) {
    const std::string_view pair = text.substr(0, text.find('&'));
    text.remove_prefix(std::min(text.size(), pair.size() + 1));
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    params.emplace_back(uri_decode(pair.substr(0, eq)),
                        eq == std::string_view::npos ? std::string() : uri_decode(pair.substr(eq + 1)));
  }
  return params;
}

int number(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  REQUIRE((error == std::errc() && end == text.data() + text.size()));
  return value;
}

// "2015-08-30T12:36:00Z"
system_clock::time_point parse_timestamp(std::string_view text) {
  using namespace std::chrono;
  REQUIRE(text.size() == 20);
  const year_month_day day{year{number(text.substr(0, 4))}, month{static_cast<unsigned>(number(text.substr(5, 2)))},
                           std::chrono::day{static_cast<unsigned>(number(text.substr(8, 2)))}};
  return sys_days{day} + hours{number(text.substr(11, 2))} + minutes{number(text.substr(14, 2))} +
         seconds{number(text.substr(17, 2))};
}

struct SuiteCase {
  std::string name;
  fs::path dir;
  raws3::Credentials creds;
  std::string region;
  std::string service;
  bool normalize = true;
  bool sign_body = false;
  bool omit_session_token = false;
  std::chrono::seconds expires{};
  system_clock::time_point now;
  RawRequest request;

  bool has(const std::string& file) const { return fs::exists(dir / file); }
  std::string expected(const std::string& file) const { return read_file(dir / file); }
};

SuiteCase load_case(const fs::path& dir) {
  SuiteCase c;
  c.name = dir.filename().string();
  c.dir = dir;
  simdjson::dom::parser parser;
  const simdjson::dom::element context = parser.load((dir / "context.json").string());
  const simdjson::dom::element creds = context["credentials"];
  c.creds.access_key_id = std::string_view(creds["access_key_id"]);
  c.creds.secret_access_key = std::string_view(creds["secret_access_key"]);
  std::string_view token;
  if (creds["token"].get(token) == simdjson::SUCCESS) c.creds.session_token = token;
  c.region = std::string_view(context["region"]);
  c.service = std::string_view(context["service"]);
  c.normalize = bool(context["normalize"]);
  c.sign_body = bool(context["sign_body"]);
  bool omit = false;
  if (context["omit_session_token"].get(omit) == simdjson::SUCCESS) c.omit_session_token = omit;
  c.expires = std::chrono::seconds(int64_t(context["expiration_in_seconds"]));
  c.now = parse_timestamp(std::string_view(context["timestamp"]));
  c.request = parse_request(read_file(dir / "request.txt"));
  return c;
}

std::vector<SuiteCase> load_suite() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(kSuite)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  std::vector<SuiteCase> cases;
  for (const fs::path& dir : dirs) cases.push_back(load_case(dir));
  // The suite as copied from aws-c-auth: a smaller count means files went missing.
  REQUIRE(cases.size() == 38);
  return cases;
}

// Whether normalising changes the path: such cases test a rule S3 must not apply.
bool has_dot_or_empty_segments(std::string_view path) {
  for (std::size_t at = 1; at <= path.size();) {
    const std::size_t slash = std::min(path.find('/', at), path.size());
    const std::string_view segment = path.substr(at, slash - at);
    if (segment == "." || segment == ".." || (segment.empty() && slash < path.size())) return true;
    at = slash + 1;
  }
  return false;
}

SignableRequest signable(const SuiteCase& c, std::string path) {
  SignableRequest req;
  req.method = c.request.method;
  req.path = std::move(path);
  req.query = decode_query(c.request.query());
  req.headers = c.request.headers;
  return req;
}

SigningParams params_for(const SuiteCase& c, PathRules rules) {
  SigningParams params;
  params.region = c.region;
  params.service = c.service;
  params.payload_hash = hex(sha256(c.request.body));
  params.add_content_sha256 = c.sign_body;
  params.omit_session_token = c.omit_session_token;
  params.path_rules = rules;
  return params;
}

// The request as it goes on the wire after presign(): the original target, then the parameters presign()
// added, encoded.
std::string presigned_target(const SuiteCase& c, const SignableRequest& signed_req) {
  std::string target = c.request.target;
  const std::size_t original = decode_query(c.request.query()).size();
  for (std::size_t i = original; i < signed_req.query.size(); ++i) {
    target.push_back(i == 0 ? '?' : '&');
    target.append(uri_encode(signed_req.query[i].first)).append("=").append(uri_encode(signed_req.query[i].second));
  }
  return target;
}

void check_header_signing(Signer& signer, const SuiteCase& c, PathRules rules, std::string path) {
  SignableRequest req = signable(c, std::move(path));
  signer.sign(req, c.creds, params_for(c, rules), c.now);
  CHECK(signer.canonical_request() == c.expected("header-canonical-request.txt"));
  CHECK(signer.string_to_sign() == c.expected("header-string-to-sign.txt"));
  CHECK(signer.signature() == c.expected("header-signature.txt"));
  if (rules == PathRules::kS3) return;  // the wire form of the suite's paths is not S3's
  RawRequest wire = c.request;
  wire.headers = req.headers;
  CHECK(comparable(wire) == comparable(parse_request(c.expected("header-signed-request.txt"))));
}

void check_query_signing(Signer& signer, const SuiteCase& c, PathRules rules, std::string path) {
  SignableRequest req = signable(c, std::move(path));
  signer.presign(req, c.creds, params_for(c, rules), c.now, c.expires);
  CHECK(signer.canonical_request() == c.expected("query-canonical-request.txt"));
  CHECK(signer.string_to_sign() == c.expected("query-string-to-sign.txt"));
  CHECK(signer.signature() == c.expected("query-signature.txt"));
  CHECK(req.headers.size() == c.request.headers.size());
  if (rules == PathRules::kS3) return;
  RawRequest wire = c.request;
  wire.target = presigned_target(c, req);
  CHECK(comparable(wire) == comparable(parse_request(c.expected("query-signed-request.txt"))));
}

PathRules generic_rules(const SuiteCase& c) { return c.normalize ? PathRules::kNormalize : PathRules::kEncodeOnce; }

}  // namespace

TEST_CASE("AWS SigV4 suite: header signing", "[sigv4][suite]") {
  Signer signer;
  for (const SuiteCase& c : load_suite()) {
    DYNAMIC_SECTION(c.name) {
      REQUIRE(c.has("header-canonical-request.txt"));
      check_header_signing(signer, c, generic_rules(c), c.request.path());
    }
  }
}

TEST_CASE("AWS SigV4 suite: query signing", "[sigv4][suite]") {
  Signer signer;
  for (const SuiteCase& c : load_suite()) {
    DYNAMIC_SECTION(c.name) {
      REQUIRE(c.has("query-canonical-request.txt"));
      check_query_signing(signer, c, generic_rules(c), c.request.path());
    }
  }
}

// S3 takes the path already encoded and never normalises it: given the suite's path encoded once, it must
// reach the same canonical request wherever normalising is not what the case is about.
TEST_CASE("AWS SigV4 suite: S3 path rules", "[sigv4][suite][s3]") {
  Signer signer;
  int applicable = 0;
  for (const SuiteCase& c : load_suite()) {
    if (c.normalize && has_dot_or_empty_segments(c.request.path())) continue;
    ++applicable;
    DYNAMIC_SECTION(c.name) {
      const std::string encoded = uri_encode(c.request.path(), /*keep_slash=*/true);
      check_header_signing(signer, c, PathRules::kS3, encoded);
      check_query_signing(signer, c, PathRules::kS3, encoded);
    }
  }
  CHECK(applicable == 32);
}

// A service named by the suite ("service") gets the generic rules without being told.
TEST_CASE("AWS SigV4 suite: path rules follow the service name", "[sigv4][suite]") {
  Signer signer;
  for (const SuiteCase& c : load_suite()) {
    if (!c.normalize) continue;
    DYNAMIC_SECTION(c.name) { check_header_signing(signer, c, PathRules::kByService, c.request.path()); }
  }
}
