// SigV4 for S3: the worked examples of the S3 API reference (single chunk, presigned URL, aws-chunked), the
// signing-key cache, URI encoding, and what the signer does to a request it signs again.
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include "auth/chunk_signer.hpp"
#include "auth/hash.hpp"
#include "auth/sigv4.hpp"
#include "auth/uri_encode.hpp"
#include "raws3/error.hpp"

using namespace raws3::auth;
using namespace std::chrono;
using raws3::ConfigError;

namespace {

// The credentials and clock of the S3 API reference examples.
const raws3::Credentials kExampleCreds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", {}, {}};
const system_clock::time_point kExampleTime = sys_days{2013y / May / 24};

SigningParams s3_params(std::string payload_hash = {}) {
  SigningParams params;
  params.region = "us-east-1";
  params.payload_hash = std::move(payload_hash);
  return params;
}

SignableRequest request(std::string method, std::string path, std::vector<Header> headers,
                        std::vector<std::pair<std::string, std::string>> query = {}) {
  return SignableRequest{std::move(method), std::move(path), std::move(query), std::move(headers)};
}

const std::string* find_header(const SignableRequest& req, std::string_view name) {
  const std::string* found = nullptr;
  for (const Header& h : req.headers) {
    if (h.name.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size(); ++i) {
      same = same && std::tolower(static_cast<unsigned char>(h.name[i])) == name[i];
    }
    if (!same) continue;
    REQUIRE(found == nullptr);  // never twice
    found = &h.value;
  }
  return found;
}

std::string header(const SignableRequest& req, std::string_view name) {
  const std::string* value = find_header(req, name);
  REQUIRE(value != nullptr);
  return *value;
}

std::string query_param(const SignableRequest& req, std::string_view name) {
  for (const auto& [key, value] : req.query) {
    if (key == name) return value;
  }
  FAIL("no query parameter " << name);
  return {};
}

// The last line of a string to sign: the hash of the canonical request.
std::string_view canonical_hash(const Signer& signer) {
  const std::string& sts = signer.string_to_sign();
  return std::string_view(sts).substr(sts.rfind('\n') + 1);
}

std::span<const std::byte> bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

}  // namespace

TEST_CASE("S3 reference: GET Object with a range", "[sigv4][s3]") {
  Signer signer;
  auto req = request("GET", "/test.txt", {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}});
  signer.sign(req, kExampleCreds, s3_params(), kExampleTime);

  CHECK(signer.canonical_request() ==
        "GET\n/test.txt\n\n"
        "host:examplebucket.s3.amazonaws.com\n"
        "range:bytes=0-9\n"
        "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        "x-amz-date:20130524T000000Z\n\n"
        "host;range;x-amz-content-sha256;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(signer.string_to_sign() ==
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  CHECK(signer.signature() == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(header(req, "authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(header(req, "x-amz-date") == "20130524T000000Z");
  CHECK(header(req, "x-amz-content-sha256") == kEmptyPayloadSha256);
  CHECK(find_header(req, "x-amz-security-token") == nullptr);
}

TEST_CASE("S3 reference: PUT Object with a signed payload", "[sigv4][s3]") {
  const std::string body = "Welcome to Amazon S3.";
  const std::string payload_hash = hex(sha256(body));
  REQUIRE(payload_hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");

  Signer signer;
  // The key "test$file.text" as the S3 layer puts it on the wire: encoded once.
  auto req = request("PUT", "/" + uri_encode("test$file.text", /*keep_slash=*/true),
                     {{"Host", "examplebucket.s3.amazonaws.com"},
                      {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                      {"x-amz-storage-class", "REDUCED_REDUNDANCY"}});
  signer.sign(req, kExampleCreds, s3_params(payload_hash), kExampleTime);

  CHECK(signer.canonical_request() ==
        "PUT\n/test%24file.text\n\n"
        "date:Fri, 24 May 2013 00:00:00 GMT\n"
        "host:examplebucket.s3.amazonaws.com\n"
        "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
        "x-amz-date:20130524T000000Z\n"
        "x-amz-storage-class:REDUCED_REDUNDANCY\n\n"
        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  CHECK(canonical_hash(signer) == "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  CHECK(signer.signature() == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  CHECK(header(req, "x-amz-content-sha256") == payload_hash);
}

TEST_CASE("S3 reference: GET Bucket lifecycle (a sub-resource without a value)", "[sigv4][s3]") {
  Signer signer;
  auto req = request("GET", "/", {{"Host", "examplebucket.s3.amazonaws.com"}}, {{"lifecycle", ""}});
  signer.sign(req, kExampleCreds, s3_params(), kExampleTime);
  CHECK(signer.canonical_request().starts_with("GET\n/\nlifecycle=\nhost:"));
  CHECK(canonical_hash(signer) == "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  CHECK(signer.signature() == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST_CASE("S3 reference: GET Bucket (list objects) with a query to sort", "[sigv4][s3]") {
  Signer signer;
  auto req = request("GET", "/", {{"Host", "examplebucket.s3.amazonaws.com"}}, {{"prefix", "J"}, {"max-keys", "2"}});
  signer.sign(req, kExampleCreds, s3_params(), kExampleTime);
  CHECK(signer.canonical_request().starts_with("GET\n/\nmax-keys=2&prefix=J\nhost:"));
  CHECK(canonical_hash(signer) == "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  CHECK(signer.signature() == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  // The caller's order is left alone: only the canonical form is sorted.
  CHECK(req.query.front().first == "prefix");
}

TEST_CASE("S3 reference: presigned GET Object", "[sigv4][s3][presign]") {
  Signer signer;
  auto req = request("GET", "/test.txt", {{"Host", "examplebucket.s3.amazonaws.com"}});
  signer.presign(req, kExampleCreds, s3_params(), kExampleTime, seconds{86400});

  CHECK(signer.canonical_request() ==
        "GET\n/test.txt\n"
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
        "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\n"
        "host:examplebucket.s3.amazonaws.com\n\n"
        "host\n"
        "UNSIGNED-PAYLOAD");
  CHECK(canonical_hash(signer) == "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
  CHECK(signer.signature() == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  CHECK(query_param(req, "X-Amz-Signature") == signer.signature());
  CHECK(query_param(req, "X-Amz-Credential") == "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request");
  CHECK(req.query.size() == 6);
  // Query signing leaves the headers alone.
  CHECK(req.headers.size() == 1);
}

TEST_CASE("S3 reference: aws-chunked PUT Object", "[sigv4][s3][chunked]") {
  constexpr std::uint64_t kObjectSize = 66560;
  constexpr std::uint64_t kChunkSize = 64 * 1024;
  const std::uint64_t encoded_size = aws_chunked_length(kObjectSize, kChunkSize);
  REQUIRE(encoded_size == 66824);

  Signer signer;
  auto req = request("PUT", "/examplebucket/chunkObject.txt",
                     {{"Host", "s3.amazonaws.com"},
                      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                      {"Content-Encoding", "aws-chunked"},
                      {"x-amz-decoded-content-length", std::to_string(kObjectSize)},
                      {"Content-Length", std::to_string(encoded_size)}});
  signer.sign(req, kExampleCreds, s3_params(std::string(kStreamingPayload)), kExampleTime);
  CHECK(signer.signature() == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  CHECK(signer.canonical_request().ends_with(
      "\ncontent-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
      "x-amz-storage-class\nSTREAMING-AWS4-HMAC-SHA256-PAYLOAD"));
  CHECK(header(req, "x-amz-content-sha256") == kStreamingPayload);

  ChunkSigner chunks(signer);
  CHECK(chunks.signature() == signer.signature());
  const std::string object(kObjectSize, 'a');
  std::string body;
  for (std::uint64_t at = 0; at < kObjectSize; at += kChunkSize) {
    const std::string chunk = object.substr(at, kChunkSize);
    body.append(chunks.next_header(bytes(chunk))).append(chunk).append(kChunkEnd);
  }
  body.append(chunks.next_header({})).append(kChunkEnd);
  CHECK(chunks.signature() == "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");

  const std::string first = "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n";
  const std::string second = "400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n";
  const std::string last = "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n";
  CHECK(body.size() == encoded_size);
  CHECK(body.starts_with(first));
  CHECK(body.substr(first.size() + kChunkSize + 2, second.size()) == second);
  CHECK(body.ends_with(last + "\r\n"));
}

TEST_CASE("aws-chunked lengths", "[sigv4][chunked]") {
  const std::uint64_t empty_chunk = std::string_view("0;chunk-signature=\r\n\r\n").size() + 64;
  CHECK(aws_chunk_overhead(0) == empty_chunk);
  CHECK(aws_chunk_overhead(0xfff) == empty_chunk + 2);
  CHECK(aws_chunked_length(0, 8192) == empty_chunk);
  CHECK(aws_chunked_length(8192, 8192) == 8192 + aws_chunk_overhead(8192) + empty_chunk);
  CHECK(aws_chunked_length(8193, 8192) == 8193 + aws_chunk_overhead(8192) + aws_chunk_overhead(1) + empty_chunk);
  const std::uint64_t five_gib = 5ull << 30;
  CHECK(aws_chunked_length(five_gib, 8 << 20) == five_gib + 640 * aws_chunk_overhead(8 << 20) + empty_chunk);
  CHECK_THROWS_AS(aws_chunked_length(1, 0), ConfigError);
}

TEST_CASE("a chunk signer needs a streaming signature to start from", "[sigv4][chunked]") {
  Signer signer;
  CHECK_THROWS_AS(ChunkSigner(signer), ConfigError);
  auto req = request("PUT", "/b/k", {{"Host", "h"}});
  signer.sign(req, kExampleCreds, s3_params(std::string(kUnsignedPayload)), kExampleTime);
  CHECK_THROWS_AS(ChunkSigner(signer), ConfigError);
  signer.sign(req, kExampleCreds, s3_params(std::string(kStreamingPayload)), kExampleTime);
  CHECK_NOTHROW(ChunkSigner(signer));
  signer.presign(req, kExampleCreds, s3_params(), kExampleTime, seconds{60});
  CHECK_THROWS_AS(ChunkSigner(signer), ConfigError);
}

TEST_CASE("uri_encode and uri_decode", "[sigv4][uri]") {
  CHECK(uri_encode("a b") == "a%20b");
  CHECK(uri_encode("a+b") == "a%2Bb");
  CHECK(uri_encode("100%") == "100%25");
  CHECK(uri_encode("-._~AZaz09") == "-._~AZaz09");
  CHECK(uri_encode("!'()*$&=?#:@,;") == "%21%27%28%29%2A%24%26%3D%3F%23%3A%40%2C%3B");
  CHECK(uri_encode("\xe1\x88\xb4") == "%E1%88%B4");
  CHECK(uri_encode(std::string_view("\0\x7f\xff", 3)) == "%00%7F%FF");
  CHECK(uri_encode("a/b//c") == "a%2Fb%2F%2Fc");
  CHECK(uri_encode("a/b//c", /*keep_slash=*/true) == "a/b//c");
  CHECK(uri_encode("") == "");

  std::string out = "/bucket/";
  uri_encode_append(out, "dir/my key.txt", /*keep_slash=*/true);
  CHECK(out == "/bucket/dir/my%20key.txt");

  CHECK(uri_decode("a%20b") == "a b");
  CHECK(uri_decode("a+b") == "a+b");
  CHECK(uri_decode("%e1%88%B4") == "\xe1\x88\xb4");
  CHECK(uri_decode("%2F%252F") == "/%2F");
  CHECK(uri_decode(uri_encode("\x01 ~%+/\xff")) == "\x01 ~%+/\xff");
  CHECK_THROWS_AS(uri_decode("%"), ConfigError);
  CHECK(form_decode("space+and%2Bplus%20") == "space and+plus ");
  CHECK_THROWS_AS(form_decode("+%4"), ConfigError);
  CHECK_THROWS_AS(uri_decode("abc%4"), ConfigError);
  CHECK_THROWS_AS(uri_decode("%G0"), ConfigError);
  CHECK_THROWS_AS(uri_decode("%0g"), ConfigError);
}

TEST_CASE("signing key derivation and cache", "[sigv4][key]") {
  Signer signer;
  // The derivation example of the SigV4 reference (IAM, 2012-02-15).
  const raws3::Credentials iam{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
  CHECK(hex(signer.signing_key(iam, "20120215", "us-east-1", "iam")) ==
        "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  CHECK(signer.key_derivations() == 1);

  const Digest first = signer.signing_key(kExampleCreds, "20130524", "us-east-1", "s3");
  CHECK(signer.key_derivations() == 2);
  CHECK(signer.signing_key(kExampleCreds, "20130524", "us-east-1", "s3") == first);
  CHECK(signer.key_derivations() == 2);

  // Requests of the same day reuse the key.
  auto req = request("GET", "/test.txt", {{"Host", "examplebucket.s3.amazonaws.com"}});
  signer.sign(req, kExampleCreds, s3_params(), kExampleTime + hours{23});
  signer.presign(req, kExampleCreds, s3_params(), kExampleTime, seconds{60});
  CHECK(signer.key_derivations() == 2);

  SECTION("any input changes the key") {
    raws3::Credentials rotated = kExampleCreds;
    rotated.secret_access_key.back() = 'Z';
    CHECK(signer.signing_key(kExampleCreds, "20130525", "us-east-1", "s3") != first);
    CHECK(signer.signing_key(kExampleCreds, "20130524", "eu-west-1", "s3") != first);
    CHECK(signer.signing_key(kExampleCreds, "20130524", "us-east-1", "s3express") != first);
    CHECK(signer.signing_key(rotated, "20130524", "us-east-1", "s3") != first);
    CHECK(signer.key_derivations() == 6);
    CHECK(signer.signing_key(kExampleCreds, "20130524", "us-east-1", "s3") == first);
    CHECK(signer.key_derivations() == 7);
  }
  SECTION("the next day derives a new key") {
    signer.sign(req, kExampleCreds, s3_params(), kExampleTime + hours{24});
    CHECK(signer.key_derivations() == 3);
    CHECK(header(req, "x-amz-date") == "20130525T000000Z");
  }
  SECTION("without the cache every signature derives its key") {
    signer.set_key_cache(false);
    signer.sign(req, kExampleCreds, s3_params(), kExampleTime);
    signer.sign(req, kExampleCreds, s3_params(), kExampleTime);
    CHECK(signer.key_derivations() == 4);
    CHECK(signer.signing_key(kExampleCreds, "20130524", "us-east-1", "s3") == first);
  }
}

TEST_CASE("signing a request again replaces what the signer added", "[sigv4]") {
  Signer signer;
  auto req = request("GET", "/test.txt", {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}});
  signer.sign(req, kExampleCreds, s3_params(), kExampleTime + seconds{5});
  signer.sign(req, kExampleCreds, s3_params(), kExampleTime);
  CHECK(req.headers.size() == 5);
  CHECK(signer.signature() == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(header(req, "authorization").ends_with(signer.signature()));

  SECTION("a session token is signed, and dropped with credentials that have none") {
    raws3::Credentials temporary = kExampleCreds;
    temporary.session_token = "token/with+chars=";
    signer.sign(req, temporary, s3_params(), kExampleTime);
    CHECK(header(req, "x-amz-security-token") == temporary.session_token);
    CHECK(header(req, "authorization").find("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;"
                                            "x-amz-security-token,") != std::string::npos);
    signer.sign(req, kExampleCreds, s3_params(), kExampleTime);
    CHECK(find_header(req, "x-amz-security-token") == nullptr);
    CHECK(signer.signature() == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  }
  SECTION("presigning again replaces the earlier parameters") {
    raws3::Credentials temporary = kExampleCreds;
    temporary.session_token = "token";
    auto link = request("GET", "/test.txt", {{"Host", "examplebucket.s3.amazonaws.com"}}, {{"versionId", "3"}});
    signer.presign(link, temporary, s3_params(), kExampleTime, seconds{60});
    CHECK(link.query.size() == 8);
    signer.presign(link, kExampleCreds, s3_params(), kExampleTime, seconds{86400});
    CHECK(link.query.size() == 7);
    CHECK(link.query.front() == std::pair<std::string, std::string>("versionId", "3"));
    CHECK(query_param(link, "X-Amz-Expires") == "86400");
    CHECK(query_param(link, "X-Amz-Signature") == signer.signature());
  }
}

TEST_CASE("headers that proxies rewrite are sent but not signed", "[sigv4]") {
  Signer signer;
  auto req = request("PUT", "/b/k",
                     {{"Host", "h"},
                      {"User-Agent", "raws3/0.1"},
                      {"Expect", "100-continue"},
                      {"Connection", "keep-alive"},
                      {"Content-Type", " text/plain;  charset=utf-8 "}});
  signer.sign(req, kExampleCreds, s3_params(std::string(kUnsignedPayload)), kExampleTime);
  CHECK(header(req, "authorization").find("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,") !=
        std::string::npos);
  CHECK(signer.canonical_request().find("\ncontent-type:text/plain; charset=utf-8\n") != std::string::npos);
  CHECK(header(req, "user-agent") == "raws3/0.1");
}

TEST_CASE("S3 paths are signed as sent, other services' paths normalised", "[sigv4]") {
  Signer signer;
  auto canonical_path = [&signer](std::string service, std::string path) {
    SigningParams params = s3_params();
    params.service = std::move(service);
    auto req = request("GET", std::move(path), {{"Host", "h"}});
    signer.sign(req, kExampleCreds, params, kExampleTime);
    const std::string& canonical = signer.canonical_request();
    const std::size_t start = canonical.find('\n') + 1;
    return canonical.substr(start, canonical.find('\n', start) - start);
  };
  CHECK(canonical_path("s3", "/b//a/./c/../d%20e") == "/b//a/./c/../d%20e");
  CHECK(canonical_path("s3express", "/a/../b") == "/a/../b");
  CHECK(canonical_path("s3", "") == "/");
  CHECK(canonical_path("service", "/b//a/./c/../d%20e") == "/b/a/d%2520e");
  CHECK(canonical_path("service", "/a/b/.") == "/a/b/");
  CHECK(canonical_path("service", "/a/b/..") == "/a/");
  CHECK(canonical_path("service", "/../..") == "/");
  CHECK(canonical_path("service", "") == "/");
}

TEST_CASE("bad input is a ConfigError", "[sigv4]") {
  Signer signer;
  auto req = request("GET", "/test.txt", {{"Host", "examplebucket.s3.amazonaws.com"}});
  CHECK_THROWS_AS(signer.presign(req, kExampleCreds, s3_params(), kExampleTime, seconds{0}), ConfigError);
  CHECK_THROWS_AS(signer.presign(req, kExampleCreds, s3_params(), kExampleTime, seconds{604801}), ConfigError);
  CHECK_NOTHROW(signer.presign(req, kExampleCreds, s3_params(), kExampleTime, seconds{1}));
  CHECK_NOTHROW(signer.presign(req, kExampleCreds, s3_params(), kExampleTime, seconds{604800}));
  CHECK_THROWS_AS(signer.sign(req, raws3::Credentials{}, s3_params(), kExampleTime), ConfigError);
  CHECK_THROWS_AS(signer.sign(req, kExampleCreds, SigningParams{}, kExampleTime), ConfigError);
  auto hostless = request("GET", "/test.txt", {{"Range", "bytes=0-9"}});
  CHECK_THROWS_AS(signer.sign(hostless, kExampleCreds, s3_params(), kExampleTime), ConfigError);
  CHECK_THROWS_AS(signer.presign(hostless, kExampleCreds, s3_params(), kExampleTime, seconds{60}), ConfigError);
}

TEST_CASE("x-amz-date is UTC, to the second", "[sigv4]") {
  Signer signer;
  auto req = request("GET", "/", {{"Host", "h"}});
  signer.sign(req, kExampleCreds, s3_params(), kExampleTime + hours{13} + minutes{7} + seconds{9} + milliseconds{999});
  CHECK(header(req, "x-amz-date") == "20130524T130709Z");
  signer.sign(req, kExampleCreds, s3_params(), sys_days{2100y / December / 31} + hours{23} + minutes{59} + seconds{59});
  CHECK(header(req, "x-amz-date") == "21001231T235959Z");
  CHECK(header(req, "authorization").find("/21001231/us-east-1/s3/aws4_request,") != std::string::npos);
}
