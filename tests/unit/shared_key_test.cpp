// Azure Blob's SharedKey signature. The expected strings to sign and Authorization values were produced by
// Debian's python3-azure-storage (azure-storage-blob 12.15.0b1, SharedKeyCredentialPolicy) for the same
// requests, with Azurite's published development account and key.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "blob/account.hpp"
#include "blob/shared_key.hpp"
#include "raws3/error.hpp"

using namespace raws3;

namespace {

constexpr std::string_view kAccount = blob::kDevelopmentAccount;
constexpr std::string_view kKey = blob::kDevelopmentKey;
const http::Header kDate{"x-ms-date", "Mon, 07 Dec 2026 16:00:00 GMT"};
const http::Header kVersion{"x-ms-version", "2021-12-02"};

struct Case {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<http::Header> headers;

  blob::SignedParts parts() const { return {method, path, query, headers}; }
};

}  // namespace

TEST_CASE("a ranged Get Blob: the x-ms-* headers signed in order, the account twice on a loopback path") {
  const Case get{"GET", "/devstoreaccount1/ctr/dir/blob%20one.bin", {}, {kDate, kVersion, {"x-ms-range", "bytes=0-8388607"}}};
  CHECK(blob::shared_key_string_to_sign(kAccount, get.parts()) ==
        "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Mon, 07 Dec 2026 16:00:00 GMT\nx-ms-range:bytes=0-8388607\n"
        "x-ms-version:2021-12-02\n/devstoreaccount1/devstoreaccount1/ctr/dir/blob%20one.bin");
  CHECK(blob::shared_key_authorization(kAccount, kKey, get.parts()) ==
        "SharedKey devstoreaccount1:bSRhuMQJxeTAcLozwvhx4KgMrhCZCDbiK25FjP/GI1I=");
}

TEST_CASE("Put Block: Content-Length and Content-MD5 in their slots, the query sorted by name") {
  const Case put{"PUT", "/devstoreaccount1/ctr/big", {{"comp", "block"}, {"blockid", "MDAwMDAx"}},
                 {{"Content-Length", "8388608"}, {"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}, kDate, kVersion}};
  CHECK(blob::shared_key_string_to_sign(kAccount, put.parts()) ==
        "PUT\n\n\n8388608\n1B2M2Y8AsgTpgAmY7PhCfg==\n\n\n\n\n\n\n\nx-ms-date:Mon, 07 Dec 2026 16:00:00 GMT\n"
        "x-ms-version:2021-12-02\n/devstoreaccount1/devstoreaccount1/ctr/big\nblockid:MDAwMDAx\ncomp:block");
  CHECK(blob::shared_key_authorization(kAccount, kKey, put.parts()) ==
        "SharedKey devstoreaccount1:i7RJBchFo+E416bQJo7VjPmmx2mUDfNXd2PW6OvsZfM=");
}

TEST_CASE("Put Blob of nothing: a zero Content-Length is an empty slot; metadata names lower-cased, '_' before digits") {
  const Case put{"PUT", "/devstoreaccount1/ctr/empty", {},
                 {{"Content-Length", "0"}, {"x-ms-blob-type", "BlockBlob"}, {"Content-Type", "text/plain"}, kDate,
                  {"x-ms-meta-Owner", "raws3"}, {"x-ms-meta-a_b", "1"}, {"x-ms-meta-a1", "2"}, kVersion}};
  CHECK(blob::shared_key_string_to_sign(kAccount, put.parts()) ==
        "PUT\n\n\n\n\ntext/plain\n\n\n\n\n\n\nx-ms-blob-type:BlockBlob\nx-ms-date:Mon, 07 Dec 2026 16:00:00 GMT\n"
        "x-ms-meta-a_b:1\nx-ms-meta-a1:2\nx-ms-meta-owner:raws3\nx-ms-version:2021-12-02\n"
        "/devstoreaccount1/devstoreaccount1/ctr/empty");
  CHECK(blob::shared_key_authorization(kAccount, kKey, put.parts()) ==
        "SharedKey devstoreaccount1:NMIG3ahvht7AELQYC9ds9cQDxJsDyNWklheA+LdgtM4=");
}

TEST_CASE("List Blobs: query values signed decoded, an opaque marker included") {
  const Case list{"GET", "/devstoreaccount1/ctr",
                  {{"restype", "container"}, {"comp", "list"}, {"prefix", "dir/"}, {"delimiter", "/"},
                   {"marker", "2!abc"}, {"maxresults", "1000"}},
                  {kDate, kVersion}};
  CHECK(blob::shared_key_string_to_sign(kAccount, list.parts()) ==
        "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Mon, 07 Dec 2026 16:00:00 GMT\nx-ms-version:2021-12-02\n"
        "/devstoreaccount1/devstoreaccount1/ctr\ncomp:list\ndelimiter:/\nmarker:2!abc\nmaxresults:1000\nprefix:dir/\n"
        "restype:container");
  CHECK(blob::shared_key_authorization(kAccount, kKey, list.parts()) ==
        "SharedKey devstoreaccount1:GMpfSG/VKzItWqiLvrtIbBMo2NMmM+iaMB39+D6stEo=");
}

TEST_CASE("Delete Blob with If-Match, and a query parameter without a value") {
  const Case del{"DELETE", "/devstoreaccount1/ctr/k", {{"x", ""}}, {kDate, kVersion, {"If-Match", "\"0x8D\""}}};
  CHECK(blob::shared_key_authorization(kAccount, kKey, del.parts()) ==
        "SharedKey devstoreaccount1:DOPFtZ1+rD5nLMmoJMg+u/Xf9CXhdvjH7te8BrlGE7Y=");
}

TEST_CASE("an account key that is not base64 is a ConfigError") {
  const Case get{"GET", "/devstoreaccount1/ctr/k", {}, {kDate, kVersion}};
  CHECK_THROWS_AS(blob::shared_key_authorization(kAccount, "not a key!", get.parts()), ConfigError);
  CHECK_THROWS_AS(blob::shared_key_authorization(kAccount, "", get.parts()), ConfigError);
}
