// The pure building blocks of the S3 layer: endpoint URLs, addressing, XML bodies, s3-cli locations.
#include <catch2/catch.hpp>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "http/url.hpp"
#include "raws3/error.hpp"
#include "s3/addressing.hpp"
#include "s3/xml.hpp"
#include "store/object_url.hpp"

using Catch::Matchers::Contains;
using raws3::Addressing;
using raws3::ConfigError;
using raws3::NetworkError;
using raws3::S3Error;

namespace {

// Catch2 v2 matches string matchers against strings only: apply one to an exception's what().
template <typename StringMatcher>
class WhatMatcher : public Catch::MatcherBase<std::exception> {
 public:
  explicit WhatMatcher(StringMatcher m) : m_(std::move(m)) {}
  bool match(const std::exception& e) const override { return m_.match(e.what()); }
  std::string describe() const override { return "what() " + m_.toString(); }

 private:
  StringMatcher m_;
};

// Checks both the type of the exception and what it says.
#define CHECK_THROWS_SAYING(expr, type, matcher) CHECK_THROWS_MATCHES(expr, type, WhatMatcher(matcher))

raws3::http::Url url(std::string_view text) { return raws3::http::parse_url(text); }

std::string path_of(std::string_view endpoint, std::string_view bucket, std::string_view key,
                    Addressing a = Addressing::Path) {
  return raws3::s3::make_target(url(endpoint), a, bucket, key).path;
}

// The keys of a built <Delete> body as a parser sees them: what the server will delete.
std::vector<std::string> keys_in(const std::string& body) {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(body.c_str(), pugi::parse_default | pugi::parse_ws_pcdata_single));
  std::vector<std::string> keys;
  for (const pugi::xml_node o : doc.child("Delete").children("Object"))
    keys.emplace_back(o.child_value("Key"));
  return keys;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Endpoint URLs

TEST_CASE("parse_url accepts the endpoints users give", "[s3-pure][url]") {
  SECTION("IPv4 with port") {
    const auto u = url("http://127.0.0.1:4580");
    CHECK(u.scheme == "http");
    CHECK(u.host == "127.0.0.1");
    CHECK(u.port == 4580);
    CHECK(u.path.empty());
    CHECK_FALSE(u.tls());
    CHECK(u.host_is_ip());
    CHECK(u.authority() == "127.0.0.1:4580");
  }
  SECTION("AWS, default port") {
    const auto u = url("https://s3.us-east-1.amazonaws.com");
    CHECK(u.tls());
    CHECK(u.port == 443);
    CHECK_FALSE(u.host_is_ip());
    CHECK(u.authority() == "s3.us-east-1.amazonaws.com");
  }
  SECTION("IPv6 in brackets, with a path") {
    const auto u = url("http://[::1]:9000/");
    CHECK(u.host == "::1");
    CHECK(u.port == 9000);
    CHECK(u.path == "/");
    CHECK(u.host_is_ip());
    CHECK(u.authority() == "[::1]:9000");
  }
  SECTION("localhost") {
    const auto u = url("http://localhost:5000");
    CHECK(u.host == "localhost");
    CHECK(u.port == 5000);
    CHECK_FALSE(u.host_is_ip());
    CHECK(u.authority() == "localhost:5000");
  }
  SECTION("scheme and host are case-insensitive and come out lower-case; the path does not") {
    const auto u = url("HTTPS://MinIO.Example.COM:443/Some/Prefix");
    CHECK(u.scheme == "https");
    CHECK(u.host == "minio.example.com");
    CHECK(u.path == "/Some/Prefix");
    CHECK(u.authority() == "minio.example.com");
  }
  SECTION("a non-default port is kept in the authority, a default one dropped") {
    CHECK(url("http://h:80").authority() == "h");
    CHECK(url("http://h:443").authority() == "h:443");
    CHECK(url("https://h:80").authority() == "h:80");
    CHECK(url("https://[2001:db8::1]").authority() == "[2001:db8::1]");
  }
  SECTION("underscores, as in container host names") { CHECK(url("http://minio_1:9000").host == "minio_1"); }
  SECTION("port bounds") {
    CHECK(url("http://h:1").port == 1);
    CHECK(url("http://h:65535").port == 65535);
  }
}

TEST_CASE("parse_url rejects what is not an endpoint, saying why", "[s3-pure][url]") {
  const auto rejects = [](std::string_view text, const std::string& why) {
    CAPTURE(text);
    CHECK_THROWS_SAYING(url(text), ConfigError, Contains(why) && Contains(std::string(text.substr(0, 6))));
  };
  rejects("127.0.0.1:9000", "missing scheme");
  rejects("localhost", "missing scheme");
  rejects("://host", "missing scheme");
  rejects("ftp://host", "unsupported scheme \"ftp\"");
  rejects("s3://bucket", "unsupported scheme \"s3\"");
  rejects("http://", "empty host");
  rejects("http:///path", "empty host");
  rejects("http://:9000", "empty host");
  rejects("http://[]:9000", "empty host");
  rejects("http://host:", "bad port");
  rejects("http://host:0", "bad port");
  rejects("http://host:65536", "bad port");
  rejects("http://host:99999999999999999999", "bad port");
  rejects("http://host:12ab", "bad port");
  rejects("http://host:-1", "bad port");
  rejects("http://[::1]:x", "bad port");
  rejects("http://host name", "space");
  rejects(" http://host", "space");
  rejects("http://host\n", "control");
  rejects("http://hö.st", "non-ASCII");
  rejects("http://ho$t", "invalid character '$'");
  rejects("http://.host", "empty label");
  rejects("http://a..b", "empty label");
  rejects("http://999.1.1.1", "bad IPv4");
  rejects("http://1.2.3", "bad IPv4");
  rejects("http://::1:9000", "brackets");
  rejects("http://[::1", "unclosed");
  rejects("http://[::1]x", "junk after ']'");
  rejects("http://[not-ip]:80", "bad IPv6");
  rejects("http://host/?x=1", "query");
  rejects("http://host#frag", "fragment");
  rejects("", "empty");
}

TEST_CASE("parse_url does not echo user info", "[s3-pure][url]") {
  try {
    url("http://AKIDEXAMPLE:wJalrXUtnFEMI@host:9000");
    FAIL("no exception");
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Contains("user info"));
    CHECK_THAT(what, Contains("@host:9000"));
    CHECK(what.find("wJalr") == std::string::npos);
    CHECK(what.find("AKID") == std::string::npos);
  }
}

// ---------------------------------------------------------------------------------------------------
// Addressing

TEST_CASE("bucket name rules", "[s3-pure][addressing]") {
  using raws3::s3::is_dns_compatible_bucket;
  using raws3::s3::is_valid_bucket_name;
  for (const std::string& ok :
       std::vector<std::string>{"abc", "my-bucket", "my.bucket.name", "a1b2", "123", std::string(63, 'a')}) {
    CAPTURE(ok);
    CHECK(is_dns_compatible_bucket(ok));
    CHECK(is_valid_bucket_name(ok));
  }
  for (const char* bad : {"ab", "MyBucket", "my_bucket", "-abc", "abc-", ".abc", "abc.", "a..b", "a.-b",
                          "a-.b", "192.168.5.4", "a b", "a/b", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(is_dns_compatible_bucket(bad));
  }
  CHECK_FALSE(is_dns_compatible_bucket(std::string(64, 'a')));
  CHECK(is_dns_compatible_bucket("1.2.3.4.5"));  // not an IPv4 address
  CHECK(is_dns_compatible_bucket("a-.-b") == false);

  // Legacy and non-AWS names are still names, in the path.
  for (const std::string& ok :
       std::vector<std::string>{"MyBucket", "my_bucket", "ab", "a", "-x-", std::string(255, 'B')}) {
    CAPTURE(ok);
    CHECK(is_valid_bucket_name(ok));
  }
  for (const char* bad : {"", "a/b", "a b", "a?b", "a%b", "a#b", "ä"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_valid_bucket_name(bad));
  }
  CHECK_FALSE(is_valid_bucket_name(std::string(256, 'b')));
}

TEST_CASE("make_target: path-style and virtual-hosted", "[s3-pure][addressing]") {
  using raws3::s3::make_target;
  const auto aws = url("https://s3.eu-west-1.amazonaws.com");

  SECTION("path-style") {
    const auto t = make_target(aws, Addressing::Path, "bucket", "dir/key.txt");
    CHECK(t.host_header == "s3.eu-west-1.amazonaws.com");
    CHECK(t.path == "/bucket/dir/key.txt");
    CHECK(make_target(aws, Addressing::Path, "bucket", "").path == "/bucket");
  }
  SECTION("virtual-hosted") {
    const auto t = make_target(aws, Addressing::Virtual, "bucket", "dir/key.txt");
    CHECK(t.host_header == "bucket.s3.eu-west-1.amazonaws.com");
    CHECK(t.path == "/dir/key.txt");
    CHECK(make_target(aws, Addressing::Virtual, "bucket", "").path == "/");
  }
  SECTION("virtual-hosted keeps a non-default port in the Host header") {
    const auto t = make_target(url("http://s3.example.com:9000"), Addressing::Virtual, "bucket", "k");
    CHECK(t.host_header == "bucket.s3.example.com:9000");
  }
  SECTION("no bucket: the service itself") {
    for (const Addressing a : {Addressing::Auto, Addressing::Path, Addressing::Virtual}) {
      const auto t = make_target(aws, a, "", "");
      CHECK(t.host_header == "s3.eu-west-1.amazonaws.com");
      CHECK(t.path == "/");
    }
    CHECK(make_target(url("http://[::1]:9000"), Addressing::Path, "", "").host_header == "[::1]:9000");
  }
  SECTION("the endpoint's path is a prefix") {
    CHECK(path_of("http://gw.example.com/s3/", "b", "k") == "/s3/b/k");
    CHECK(path_of("http://gw.example.com/s3", "bkt", "k", Addressing::Virtual) == "/s3/k");
    CHECK(path_of("http://gw.example.com/s3", "", "") == "/s3/");
    CHECK(path_of("http://gw.example.com/", "b", "") == "/b");
  }
  SECTION("legacy bucket names go in the path, encoded") {
    CHECK(path_of("http://h", "My_Bucket", "k") == "/My_Bucket/k");
  }
}

TEST_CASE("make_target: Auto", "[s3-pure][addressing]") {
  using raws3::s3::make_target;
  const auto host = [](std::string_view endpoint, std::string_view bucket) {
    return make_target(url(endpoint), Addressing::Auto, bucket, "k").host_header;
  };
  // Virtual-hosted on AWS S3's own endpoints, whichever of their forms.
  for (const char* aws : {"https://s3.amazonaws.com", "https://s3.us-east-1.amazonaws.com",
                          "https://s3-us-west-2.amazonaws.com", "https://s3-external-1.amazonaws.com",
                          "https://s3.dualstack.eu-west-1.amazonaws.com", "https://s3-fips.us-gov-west-1.amazonaws.com",
                          "https://s3-fips.dualstack.us-east-2.amazonaws.com", "https://s3-accelerate.amazonaws.com",
                          "https://s3.cn-north-1.amazonaws.com.cn", "http://s3.eu-west-1.amazonaws.com:80",
                          "https://S3.EU-WEST-1.AMAZONAWS.COM", "https://s3.us-east-1.amazonaws.com."}) {
    CAPTURE(aws);
    CHECK(host(aws, "bucket") == "bucket." + url(aws).authority());
  }
  CHECK(make_target(raws3::s3::aws_endpoint("ap-south-1"), Addressing::Auto, "bucket", "k").host_header ==
        "bucket.s3.ap-south-1.amazonaws.com");
  // Path-style on every custom endpoint, DNS-named or not (MinIO, Ceph, gateways), and on AWS hosts that are
  // not S3's own names.
  for (const char* custom : {"https://minio.example:9000", "http://s3.example.com", "http://ceph.internal",
                             "http://127.0.0.1:4580", "http://[::1]:9000", "http://localhost:5000",
                             "http://minio.localhost:5000", "https://s3.amazonaws.com.evil.example",
                             "https://nots3.amazonaws.com", "https://vpce-1a2b.s3.us-east-1.vpce.amazonaws.com",
                             "https://s3.localhost.localstack.cloud:4566"}) {
    CAPTURE(custom);
    CHECK(host(custom, "bucket") == url(custom).authority());
    CHECK(make_target(url(custom), Addressing::Auto, "bucket", "k").path == url(custom).path + "/bucket/k");
  }
  // ...unless virtual-hosted is asked for.
  CHECK(make_target(url("https://minio.example:9000"), Addressing::Virtual, "bucket", "k").host_header ==
        "bucket.minio.example:9000");
  // On AWS too, path-style for names that are not DNS labels and for dots under TLS.
  CHECK(host("https://s3.amazonaws.com", "My_Bucket") == "s3.amazonaws.com");
  CHECK(host("https://s3.amazonaws.com", "my.dotted.bucket") == "s3.amazonaws.com");
  CHECK(host("http://s3.eu-west-1.amazonaws.com", "my.dotted.bucket") == "my.dotted.bucket.s3.eu-west-1.amazonaws.com");
}

TEST_CASE("make_target refuses what cannot be addressed", "[s3-pure][addressing]") {
  using raws3::s3::make_target;
  CHECK_THROWS_SAYING(make_target(url("http://127.0.0.1:9000"), Addressing::Virtual, "bucket", "k"),
                      ConfigError, Contains("127.0.0.1:9000") && Contains("path-style"));
  CHECK_THROWS_SAYING(make_target(url("http://s3.example.com"), Addressing::Virtual, "My_Bucket", "k"),
                      ConfigError, Contains("\"My_Bucket\""));
  for (const Addressing a : {Addressing::Auto, Addressing::Path, Addressing::Virtual}) {
    CHECK_THROWS_SAYING(make_target(url("http://h"), a, "a/b", "k"), ConfigError,
                        Contains("invalid bucket name \"a/b\""));
    CHECK_THROWS_SAYING(make_target(url("http://h"), a, "", "k"), ConfigError, Contains("without a bucket"));
  }
}

TEST_CASE("make_target encodes each key byte once and never normalises", "[s3-pure][addressing]") {
  const auto path = [](std::string_view key) { return path_of("http://127.0.0.1:9000", "bucket", key); };
  CHECK(path("key with spaces") == "/bucket/key%20with%20spaces");
  CHECK(path("ünï/çødé") == "/bucket/%C3%BCn%C3%AF/%C3%A7%C3%B8d%C3%A9");
  CHECK(path("日本") == "/bucket/%E6%97%A5%E6%9C%AC");
  CHECK(path("a+b") == "/bucket/a%2Bb");
  CHECK(path("100%") == "/bucket/100%25");
  CHECK(path("already%20encoded") == "/bucket/already%2520encoded");
  CHECK(path("k=v&x") == "/bucket/k%3Dv%26x");
  CHECK(path("~user/-._") == "/bucket/~user/-._");
  CHECK(path("wow!") == "/bucket/wow%21");
  CHECK(path("it's") == "/bucket/it%27s");
  CHECK(path("f(1)*") == "/bucket/f%281%29%2A");
  CHECK(path("q?x#y") == "/bucket/q%3Fx%23y");
  CHECK(path("a//b/./c/../d") == "/bucket/a//b/./c/../d");
  CHECK(path("/leading") == "/bucket//leading");
  CHECK(path("trailing/") == "/bucket/trailing/");
  CHECK(path("/") == "/bucket//");
  CHECK(path_of("https://s3.amazonaws.com", "bucket", "/leading", Addressing::Virtual) == "//leading");
  CHECK(path_of("https://s3.amazonaws.com", "bucket", "a b/+", Addressing::Virtual) == "/a%20b/%2B");

  SECTION("a 1024-byte key, the longest S3 takes") {
    std::string key;
    while (key.size() < 1024) key += "dir/file ";
    key.resize(1024);
    std::string expected = "/bucket/";
    for (const char c : key) expected += c == ' ' ? "%20" : std::string(1, c);
    CHECK(path(key) == expected);
  }
}

TEST_CASE("aws_endpoint", "[s3-pure][addressing]") {
  using raws3::s3::aws_endpoint;
  const auto u = aws_endpoint("eu-central-1");
  CHECK(u.scheme == "https");
  CHECK(u.host == "s3.eu-central-1.amazonaws.com");
  CHECK(u.port == 443);
  CHECK(u.path.empty());
  CHECK(u.authority() == "s3.eu-central-1.amazonaws.com");
  CHECK(aws_endpoint("cn-north-1").host == "s3.cn-north-1.amazonaws.com.cn");
  CHECK_THROWS_SAYING(aws_endpoint(""), ConfigError, Contains("region"));
  CHECK_THROWS_SAYING(aws_endpoint("eu-west-1.evil.com/"), ConfigError, Contains("eu-west-1.evil.com/"));
}

// ---------------------------------------------------------------------------------------------------
// S3Error

TEST_CASE("S3Error says it all on one line", "[s3-pure][error]") {
  const S3Error e(404, "NoSuchKey", "The specified key does not exist.", "ABC");
  CHECK(std::string(e.what()) == "NoSuchKey (HTTP 404): The specified key does not exist. [request id ABC]");
  CHECK(e.http_status() == 404);
  CHECK(e.code() == "NoSuchKey");
  CHECK(e.message() == "The specified key does not exist.");
  CHECK(e.request_id() == "ABC");
  CHECK(e.region().empty());

  CHECK(std::string(S3Error(403, "Forbidden", "").what()) == "Forbidden (HTTP 403)");
  CHECK(std::string(S3Error(500, "", "").what()) == "S3 error (HTTP 500)");
  CHECK(std::string(
            S3Error(301, "PermanentRedirect", "Use the\r\nright endpoint.", "R1", "eu-west-1").what()) ==
        "PermanentRedirect (HTTP 301): Use the  right endpoint. [bucket region eu-west-1] [request id R1]");
  const raws3::Error& base = e;
  CHECK_THAT(base.what(), Contains("NoSuchKey"));
}

// ---------------------------------------------------------------------------------------------------
// XML readers

TEST_CASE("parse_error", "[s3-pure][xml]") {
  using raws3::s3::parse_error;
  SECTION("NoSuchKey") {
    const auto e = parse_error(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchKey</Code>
  <Message>The resource you requested does not exist</Message>
  <Resource>/mybucket/myfoto.jpg</Resource>
  <RequestId>4442587FB7D0A2F9</RequestId>
</Error>)");
    REQUIRE(e);
    CHECK(e->code == "NoSuchKey");
    CHECK(e->message == "The resource you requested does not exist");
    CHECK(e->request_id == "4442587FB7D0A2F9");
    CHECK(e->region.empty());
    CHECK(e->endpoint.empty());
  }
  SECTION("PermanentRedirect names the endpoint") {
    const auto e = parse_error(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect</Code><Message>The "
        "bucket you are "
        "attempting to access must be addressed using the specified endpoint. Please send all future "
        "requests to "
        "this endpoint.</Message><Endpoint>my-bucket.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>my-bucket</"
        "Bucket><RequestId>8FJ3K3N3J6MXGFWR</RequestId><HostId>Wsb3yhm2Q==</HostId></Error>");
    REQUIRE(e);
    CHECK(e->code == "PermanentRedirect");
    CHECK(e->endpoint == "my-bucket.s3.eu-west-1.amazonaws.com");
    CHECK(e->request_id == "8FJ3K3N3J6MXGFWR");
  }
  SECTION("AuthorizationHeaderMalformed names the region") {
    const auto e = parse_error(
        "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the "
        "region "
        "'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region><RequestId>A1</"
        "RequestId><HostId>h</HostId></Error>");
    REQUIRE(e);
    CHECK(e->region == "eu-west-1");
    CHECK_THAT(e->message, Contains("'us-east-1' is wrong"));
  }
  SECTION("entities are decoded") {
    const auto e =
        parse_error("<Error><Code>X</Code><Message>a &lt;b&gt; &amp; &quot;c&quot; &#233;</Message></Error>");
    REQUIRE(e);
    CHECK(e->message == "a <b> & \"c\" \xC3\xA9");
  }
  SECTION("not an <Error> document") {
    CHECK_FALSE(parse_error(""));
    CHECK_FALSE(parse_error("   "));
    CHECK_FALSE(parse_error("<html><body><h1>502 Bad Gateway</h1></body></html>"));
    CHECK_FALSE(parse_error("Internal Server Error"));
    CHECK_FALSE(parse_error("<Error><Code>Trunc"));
    CHECK_FALSE(
        parse_error("<CompleteMultipartUploadResult><ETag>\"x\"</ETag></CompleteMultipartUploadResult>"));
    CHECK_FALSE(
        parse_error("<DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code></Error></DeleteResult>"));
  }
}

TEST_CASE("parse_list_buckets", "[s3-pure][xml]") {
  const auto buckets = raws3::s3::parse_list_buckets(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner>
    <ID>bcaf1ffd86f461ca5fb16fd081034f</ID>
    <DisplayName>webfile</DisplayName>
  </Owner>
  <Buckets>
    <Bucket>
      <Name>DOC-EXAMPLE-BUCKET</Name>
      <CreationDate>2019-12-11T23:32:47+00:00</CreationDate>
    </Bucket>
    <Bucket>
      <Name>DOC-EXAMPLE-BUCKET2</Name>
      <CreationDate>2019-11-10T23:32:13+00:00</CreationDate>
    </Bucket>
  </Buckets>
</ListAllMyBucketsResult>)");
  REQUIRE(buckets.size() == 2);
  CHECK(buckets[0].name == "DOC-EXAMPLE-BUCKET");
  CHECK(buckets[0].creation_date == "2019-12-11T23:32:47+00:00");
  CHECK(buckets[1].name == "DOC-EXAMPLE-BUCKET2");
  CHECK(raws3::s3::parse_list_buckets("<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>").empty());
}

TEST_CASE("parse_list_objects_v2", "[s3-pure][xml]") {
  using raws3::s3::parse_list_objects_v2;
  SECTION("AWS's example") {
    const auto page = parse_list_objects_v2(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Name>bucket</Name>
    <Prefix/>
    <KeyCount>2</KeyCount>
    <MaxKeys>1000</MaxKeys>
    <IsTruncated>false</IsTruncated>
    <Contents>
        <Key>my-image.jpg</Key>
        <LastModified>2009-10-12T17:50:30.000Z</LastModified>
        <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
        <Size>434234</Size>
        <StorageClass>STANDARD</StorageClass>
    </Contents>
    <Contents>
        <Key>my-big-object.bin</Key>
        <LastModified>2009-10-12T17:50:31.000Z</LastModified>
        <ETag>"599bab3ed2c697f1d26842727561fd94-13"</ETag>
        <Size>109951162777600</Size>
        <StorageClass>GLACIER</StorageClass>
    </Contents>
</ListBucketResult>)");
    CHECK_FALSE(page.is_truncated);
    CHECK(page.next_continuation_token.empty());
    CHECK(page.key_count == 2);
    CHECK(page.common_prefixes.empty());
    REQUIRE(page.objects.size() == 2);
    CHECK(page.objects[0].key == "my-image.jpg");
    CHECK(page.objects[0].size == 434234);
    CHECK(page.objects[0].etag == "\"fba9dede5f27731c9771645a39863328\"");
    CHECK(page.objects[0].last_modified == "2009-10-12T17:50:30.000Z");
    CHECK(page.objects[0].storage_class == "STANDARD");
    CHECK(page.objects[1].size == 109951162777600ULL);
    CHECK(page.objects[1].etag == "\"599bab3ed2c697f1d26842727561fd94-13\"");
    CHECK(page.objects[1].storage_class == "GLACIER");
  }
  SECTION("a truncated page with common prefixes") {
    const auto page =
        parse_list_objects_v2(R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>example-bucket</Name>
  <Prefix></Prefix>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <KeyCount>3</KeyCount>
  <MaxKeys>3</MaxKeys>
  <Delimiter>/</Delimiter>
  <IsTruncated>true</IsTruncated>
  <Contents>
    <Key>sample.jpg</Key>
    <LastModified>2011-02-26T01:56:20.000Z</LastModified>
    <ETag>"bf1d737a4d46a19f3bced6905cc8b902"</ETag>
    <Size>142863</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <CommonPrefixes>
    <Prefix>photos/</Prefix>
  </CommonPrefixes>
  <CommonPrefixes>
    <Prefix>videos/</Prefix>
  </CommonPrefixes>
</ListBucketResult>)");
    CHECK(page.is_truncated);
    CHECK(page.next_continuation_token == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    CHECK(page.key_count == 3);
    REQUIRE(page.objects.size() == 1);
    CHECK(page.objects[0].key == "sample.jpg");
    CHECK(page.common_prefixes == std::vector<std::string>{"photos/", "videos/"});
  }
  SECTION("an empty bucket, and a server that leaves KeyCount out") {
    const auto empty = parse_list_objects_v2(
        "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></"
        "ListBucketResult>");
    CHECK(empty.objects.empty());
    CHECK(empty.key_count == 0);
    const auto counted = parse_list_objects_v2(
        "<ListBucketResult><Contents><Key>a</Key><Size>1</Size></Contents><CommonPrefixes><Prefix>p/</Prefix>"
        "</CommonPrefixes></ListBucketResult>");
    CHECK(counted.key_count == 2);
  }
  SECTION("keys are taken verbatim, whitespace and all") {
    const auto page = parse_list_objects_v2(
        "<ListBucketResult><Contents><Key> </Key></Contents><Contents><Key>  two spaces around  "
        "</Key></Contents>"
        "<Contents><Key>line\nbreak</Key></Contents><Contents><Key>cr&#13;lf</Key></Contents>"
        "<Contents><Key>a&amp;b&lt;c&gt;\"d'</Key></Contents><Contents><Key>100%</Key></Contents>"
        "<Contents><Key><![CDATA[<cdata>]]></Key></Contents></ListBucketResult>");
    REQUIRE(page.objects.size() == 7);
    CHECK(page.objects[0].key == " ");
    CHECK(page.objects[1].key == "  two spaces around  ");
    CHECK(page.objects[2].key == "line\nbreak");
    CHECK(page.objects[3].key == "cr\rlf");
    CHECK(page.objects[4].key == "a&b<c>\"d'");
    CHECK(page.objects[5].key == "100%");
    CHECK(page.objects[6].key == "<cdata>");
  }
  // Form encoding, as AWS and MinIO write it: '+' is a space, a '+' of the key is %2B.
  SECTION("EncodingType=url: keys and prefixes are decoded, other fields are not") {
    const auto page =
        parse_list_objects_v2(R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix>dir%2F</Prefix>
  <NextContinuationToken>abc%2Bdef</NextContinuationToken>
  <KeyCount>3</KeyCount>
  <Delimiter>%2F</Delimiter>
  <EncodingType>url</EncodingType>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>dir%2Fa%20b</Key><ETag>"e1"</ETag><Size>5</Size></Contents>
  <Contents><Key>dir%2F100%25+%C3%A9%01%2B</Key><ETag>"e2"</ETag><Size>6</Size></Contents>
  <CommonPrefixes><Prefix>dir%2Fsub%20dir%2F</Prefix></CommonPrefixes>
</ListBucketResult>)");
    REQUIRE(page.objects.size() == 2);
    CHECK(page.objects[0].key == "dir/a b");
    CHECK(page.objects[1].key == "dir/100% \xC3\xA9\x01+");
    CHECK(page.common_prefixes == std::vector<std::string>{"dir/sub dir/"});
    CHECK(page.next_continuation_token == "abc%2Bdef");
    CHECK(page.objects[0].etag == "\"e1\"");
  }
  SECTION("a server that misbehaves") {
    CHECK_THROWS_SAYING(parse_list_objects_v2("<ListBucketResult><Contents><Key>a</Key></Contents>"),
                        NetworkError,
                        Contains("malformed XML in ListObjectsV2 response") && Contains("at offset"));
    CHECK_THROWS_SAYING(parse_list_objects_v2(""), NetworkError, Contains("malformed XML in ListObjectsV2"));
    CHECK_THROWS_SAYING(parse_list_objects_v2("<html>502</html>"), NetworkError,
                        Contains("unexpected <html> document in ListObjectsV2 response"));
    CHECK_THROWS_SAYING(
        parse_list_objects_v2(
            "<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>"),
        NetworkError, Contains("bad <Size> \"-1\""));
    CHECK_THROWS_SAYING(
        parse_list_objects_v2("<ListBucketResult><Contents><Size>99999999999999999999999</Size></Contents>"
                              "</ListBucketResult>"),
        NetworkError, Contains("bad <Size>"));
    CHECK_THROWS_SAYING(parse_list_objects_v2("<ListBucketResult><KeyCount>2x</KeyCount></ListBucketResult>"),
                        NetworkError, Contains("bad <KeyCount>"));
    CHECK_THROWS_SAYING(
        parse_list_objects_v2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
        NetworkError, Contains("NextContinuationToken"));
    CHECK_THROWS_SAYING(
        parse_list_objects_v2("<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>"
                              "bad%zz</Key></Contents></ListBucketResult>"),
        NetworkError, Contains("bad URL-encoded <Key> in ListObjectsV2 response"));
  }
  SECTION("an <Error> document is the server's error") {
    try {
      parse_list_objects_v2(
          "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message>"
          "<RequestId>R9</RequestId></Error>");
      FAIL("no exception");
    } catch (const S3Error& e) {
      CHECK(e.http_status() == 200);
      CHECK(e.code() == "SlowDown");
      CHECK(e.request_id() == "R9");
    }
  }
}

TEST_CASE("parse_delete_objects_result", "[s3-pure][xml]") {
  const auto r = raws3::s3::parse_delete_objects_result(R"(<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Deleted>
    <Key>sample1.txt</Key>
  </Deleted>
  <Deleted>
    <Key>a &amp; b.txt</Key>
    <VersionId>OYcLXagmS.WaD..oyH4KRguB95_YhLs7</VersionId>
  </Deleted>
  <Error>
    <Key>sample2.txt</Key>
    <Code>AccessDenied</Code>
    <Message>Access Denied</Message>
  </Error>
</DeleteResult>)");
  CHECK(r.deleted == std::vector<std::string>{"sample1.txt", "a & b.txt"});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].key == "sample2.txt");
  CHECK(r.errors[0].code == "AccessDenied");
  CHECK(r.errors[0].message == "Access Denied");

  const auto quiet = raws3::s3::parse_delete_objects_result(
      "<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></DeleteResult>");
  CHECK(quiet.deleted.empty());
  CHECK(quiet.errors.empty());
  CHECK_THROWS_AS(raws3::s3::parse_delete_objects_result("<Error><Code>MalformedXML</Code></Error>"),
                  S3Error);
}

TEST_CASE("multipart: initiate, complete, list", "[s3-pure][xml]") {
  using namespace raws3::s3;
  SECTION("initiate") {
    CHECK(parse_initiate_multipart(R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
</InitiateMultipartUploadResult>)") == "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
    CHECK_THROWS_SAYING(parse_initiate_multipart("<InitiateMultipartUploadResult><UploadId/>"
                                                 "</InitiateMultipartUploadResult>"),
                        NetworkError, Contains("without an UploadId"));
    CHECK_THROWS_SAYING(parse_initiate_multipart("<InitiateMultipartUploadResult>"), NetworkError,
                        Contains("malformed XML in CreateMultipartUpload response"));
  }
  SECTION("complete") {
    CHECK(parse_complete_multipart(R"(<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Location>http://Example-Bucket.s3.us-east-1.amazonaws.com/Example-Object</Location>
  <Bucket>Example-Bucket</Bucket>
  <Key>Example-Object</Key>
  <ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag>
</CompleteMultipartUploadResult>)") == "\"3858f62230ac3c915f300c664312c11f-9\"");
  }
  SECTION("complete: radosgw may send an empty ETag, or none") {
    CHECK(
        parse_complete_multipart(
            R"(<?xml version="1.0" encoding="UTF-8"?>)"
            R"(<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
            R"(<Location>http://rgw:8000/bucket/key</Location><Bucket>bucket</Bucket><Key>key</Key><ETag></ETag>)"
            R"(</CompleteMultipartUploadResult>)")
            .empty());
    CHECK(parse_complete_multipart("<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                                   "</CompleteMultipartUploadResult>")
              .empty());
  }
  SECTION("complete: 200 with an <Error> body is a failure") {
    // S3 sends the 200 and whitespace while it works, then the outcome.
    const std::string body =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n            \n<Error>\n"
        "  <Code>InternalError</Code>\n"
        "  <Message>We encountered an internal error. Please try again.</Message>\n"
        "  <RequestId>656c76696e6727732072657175657374</RequestId>\n"
        "  <HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId>\n"
        "</Error>";
    try {
      parse_complete_multipart(body);
      FAIL("no exception");
    } catch (const S3Error& e) {
      CHECK(e.http_status() == 200);
      CHECK(e.code() == "InternalError");
      CHECK(e.message() == "We encountered an internal error. Please try again.");
      CHECK(e.request_id() == "656c76696e6727732072657175657374");
      CHECK(std::string(e.what()) ==
            "InternalError (HTTP 200): We encountered an internal error. Please try "
            "again. [request id 656c76696e6727732072657175657374]");
    }
    REQUIRE(parse_error(body));
    CHECK(parse_error(body)->code == "InternalError");
  }
  SECTION("complete: a cut-off body") {
    CHECK_THROWS_SAYING(parse_complete_multipart("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n   "),
                        NetworkError, Contains("malformed XML in CompleteMultipartUpload response"));
    CHECK_THROWS_SAYING(parse_complete_multipart("<CompleteMultipartUploadResult><ETag>\"x\"</ET"),
                        NetworkError, Contains("CompleteMultipartUpload") && Contains("at offset"));
  }
  SECTION("list uploads") {
    const auto page = parse_list_multipart_uploads(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>bucket</Bucket>
  <KeyMarker></KeyMarker>
  <UploadIdMarker></UploadIdMarker>
  <NextKeyMarker>my-movie.m2ts</NextKeyMarker>
  <NextUploadIdMarker>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</NextUploadIdMarker>
  <MaxUploads>3</MaxUploads>
  <IsTruncated>true</IsTruncated>
  <Upload>
    <Key>my-divisor</Key>
    <UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw</UploadId>
    <Initiator>
      <ID>arn:aws:iam::111122223333:user/user1-11111a31-17b5-4fb7-9df5-b111111f13de</ID>
      <DisplayName>user1-11111a31-17b5-4fb7-9df5-b111111f13de</DisplayName>
    </Initiator>
    <Owner>
      <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
      <DisplayName>OwnerDisplayName</DisplayName>
    </Owner>
    <StorageClass>STANDARD</StorageClass>
    <Initiated>2010-11-10T20:48:33.000Z</Initiated>
  </Upload>
  <Upload>
    <Key>my-movie.m2ts</Key>
    <UploadId>VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
    <StorageClass>STANDARD</StorageClass>
    <Initiated>2010-11-10T20:48:33.000Z</Initiated>
  </Upload>
</ListMultipartUploadsResult>)");
    CHECK(page.is_truncated);
    CHECK(page.next_key_marker == "my-movie.m2ts");
    CHECK(page.next_upload_id_marker == "YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ");
    REQUIRE(page.uploads.size() == 2);
    CHECK(page.uploads[0].key == "my-divisor");
    CHECK(page.uploads[0].upload_id == "XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw");
    CHECK(page.uploads[1].key == "my-movie.m2ts");

    const auto encoded = parse_list_multipart_uploads(
        "<ListMultipartUploadsResult><EncodingType>url</EncodingType><NextKeyMarker>a%20b</NextKeyMarker>"
        "<IsTruncated>false</IsTruncated><Upload><Key>a%20b</Key><UploadId>u%2B1</UploadId></Upload>"
        "</ListMultipartUploadsResult>");
    CHECK_FALSE(encoded.is_truncated);
    REQUIRE(encoded.uploads.size() == 1);
    CHECK(encoded.uploads[0].key == "a b");
    CHECK(encoded.uploads[0].upload_id == "u%2B1");
    CHECK(encoded.next_key_marker == "a b");
  }
}

TEST_CASE("parse_copy_object_result", "[s3-pure][xml]") {
  using raws3::s3::parse_copy_object_result;
  const auto r = parse_copy_object_result(R"(<?xml version="1.0" encoding="UTF-8"?>
<CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
   <LastModified>2009-10-28T22:32:00.000Z</LastModified>
   <ETag>"9b2cf535f27731c974343645a3985328"</ETag>
</CopyObjectResult>)");
  CHECK(r.etag == "\"9b2cf535f27731c974343645a3985328\"");
  CHECK(r.last_modified == "2009-10-28T22:32:00.000Z");

  const auto part = parse_copy_object_result(
      "<CopyPartResult><LastModified>2011-04-11T20:34:56.000Z</LastModified><ETag>\"9b2c\"</ETag></"
      "CopyPartResult>");
  CHECK(part.etag == "\"9b2c\"");
  CHECK_THROWS_SAYING(
      parse_copy_object_result("<Error><Code>InternalError</Code><Message>m</Message></Error>"), S3Error,
      Contains("InternalError (HTTP 200): m"));
  CHECK_THROWS_SAYING(parse_copy_object_result("not xml"), NetworkError, Contains("CopyObject"));
}

// ---------------------------------------------------------------------------------------------------
// XML writers

TEST_CASE("build_delete_objects", "[s3-pure][xml]") {
  using raws3::s3::build_delete_objects;
  SECTION("exact body") {
    const std::vector<std::string> keys{"a.txt", "dir/b c"};
    CHECK(build_delete_objects(keys, false) ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>a.txt</Key></Object>"
          "<Object><Key>dir/b c</Key></Object></Delete>");
    CHECK_THAT(build_delete_objects(keys, true),
               Contains("<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        "<Quiet>true</Quiet><Object>"));
  }
  SECTION("escaping: the server reads back exactly the keys given") {
    const std::vector<std::string> keys{"a&b",
                                        "<tag>",
                                        "x]]>y",
                                        "cr\r\nlf",
                                        "tab\there",
                                        "\"quoted\" 'k'",
                                        "\xC3\xBC",
                                        "\xF0\x9F\x98\x80",
                                        "\xF4\x8F\xBF\xBF",
                                        "\xEF\xBF\xBD",
                                        " ",
                                        "&amp;",
                                        "\x7F"};
    const std::string body = build_delete_objects(keys, true);
    CHECK_THAT(body, Contains("<Key>a&amp;b</Key>"));
    CHECK_THAT(body, Contains("<Key>&lt;tag&gt;</Key>"));
    CHECK_THAT(body, Contains("<Key>x]]&gt;y</Key>"));
    CHECK_THAT(body, Contains("<Key>cr&#13;\nlf</Key>"));
    CHECK_THAT(body, Contains("<Key>&amp;amp;</Key>"));
    CHECK(keys_in(body) == keys);
  }
  SECTION("keys XML 1.0 cannot carry") {
    for (const std::string& bad :
         {std::string("nul\0x", 5), std::string("bell\x07"), std::string("esc\x1b[0m")}) {
      const std::vector<std::string> keys{"fine", bad};
      CHECK_THROWS_SAYING(build_delete_objects(keys, false), ConfigError,
                          Contains("object key") && Contains("XML 1.0 cannot carry"));
    }
    const std::vector<std::string> shown{"esc\x1b"};
    CHECK_THROWS_SAYING(build_delete_objects(shown, false), ConfigError, Contains("\"esc\\x1B\""));
    for (const std::string& bad : {std::string("\xFF"), std::string("trunc\xC3"), std::string("\xC0\xAF"),
                                   std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80")}) {
      const std::vector<std::string> keys{bad};
      CHECK_THROWS_SAYING(build_delete_objects(keys, false), ConfigError, Contains("not valid UTF-8"));
    }
    const std::vector<std::string> nonchar{"\xEF\xBF\xBE"};  // U+FFFE
    CHECK_THROWS_SAYING(build_delete_objects(nonchar, false), ConfigError, Contains("XML 1.0 cannot carry"));
    const std::vector<std::string> empty_key{"a", ""};
    CHECK_THROWS_SAYING(build_delete_objects(empty_key, false), ConfigError, Contains("empty object key"));
  }
  SECTION("1 to 1000 keys") {
    std::vector<std::string> keys(1000);
    for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = "key-" + std::to_string(i);
    CHECK(keys_in(build_delete_objects(keys, true)).size() == 1000);
    keys.emplace_back("one-too-many");
    CHECK_THROWS_SAYING(build_delete_objects(keys, true), ConfigError, Contains("1001"));
    CHECK_THROWS_SAYING(build_delete_objects({}, true), ConfigError, Contains("1 to 1000"));
  }
}

TEST_CASE("build_complete_multipart", "[s3-pure][xml]") {
  using raws3::s3::build_complete_multipart;
  const std::vector<raws3::CompletedPart> parts{{1, "\"a54357aff0632cce46d942af68356b38\"", "sOO8/Q=="},
                                                {2, "\"0c78aef83f66abc1fa1e8477f296d394\"", "AAAAAA=="}};
  CHECK(build_complete_multipart(parts, false) ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag></Part>"
        "<Part><PartNumber>2</PartNumber><ETag>\"0c78aef83f66abc1fa1e8477f296d394\"</ETag></Part>"
        "</CompleteMultipartUpload>");
  CHECK(build_complete_multipart(parts, true) ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag>"
        "<ChecksumCRC32C>sOO8/Q==</ChecksumCRC32C></Part>"
        "<Part><PartNumber>2</PartNumber><ETag>\"0c78aef83f66abc1fa1e8477f296d394\"</ETag>"
        "<ChecksumCRC32C>AAAAAA==</ChecksumCRC32C></Part>"
        "</CompleteMultipartUpload>");
  const std::vector<raws3::CompletedPart> odd{{1, "W/\"<&>\"", ""}};
  CHECK_THAT(build_complete_multipart(odd, false), Contains("<ETag>W/\"&lt;&amp;&gt;\"</ETag>"));
  const std::vector<raws3::CompletedPart> bad{{1, "\x01", ""}};
  CHECK_THROWS_SAYING(build_complete_multipart(bad, false), ConfigError, Contains("ETag"));
}

TEST_CASE("build_create_bucket_configuration", "[s3-pure][xml]") {
  using raws3::s3::build_create_bucket_configuration;
  CHECK(build_create_bucket_configuration("us-east-1").empty());
  CHECK(build_create_bucket_configuration("").empty());
  CHECK(build_create_bucket_configuration("eu-west-1") ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>");
}

// ---------------------------------------------------------------------------------------------------
// s3-cli locations

TEST_CASE("parse_location", "[s3-pure][location]") {
  using raws3::store::Location;
  using raws3::store::parse_location;
  const auto s3 = [](std::string_view arg, std::string_view bucket, std::string_view key) {
    CAPTURE(arg);
    const Location l = parse_location(arg);
    CHECK(l.kind == Location::S3);
    CHECK(l.bucket == bucket);
    CHECK(l.key == key);
    CHECK(l.path.empty());
  };
  const auto file = [](std::string_view arg, std::string_view path) {
    CAPTURE(arg);
    const Location l = parse_location(arg);
    CHECK(l.kind == Location::File);
    CHECK(l.path == path);
    CHECK(l.bucket.empty());
    CHECK(l.key.empty());
  };

  s3("s3://bucket", "bucket", "");
  s3("s3://bucket/", "bucket", "");
  s3("s3://bucket/prefix/key with spaces", "bucket", "prefix/key with spaces");
  s3("s3://bucket/dir/", "bucket", "dir/");
  s3("s3://b//k", "b", "/k");
  s3("s3://b/a//b/./c/../d", "b", "a//b/./c/../d");
  s3("s3://b/100%25?x=1#frag", "b", "100%25?x=1#frag");
  s3("s3://b/\xC3\xBC:+=~!'(", "b", "\xC3\xBC:+=~!'(");
  s3("S3://Legacy_Bucket/k", "Legacy_Bucket", "k");
  CHECK(parse_location("s3://b/k").service == raws3::Service::S3);

  // az://container/blob: the same kind of location, of the other service.
  s3("az://ctr/dir/blob name", "ctr", "dir/blob name");
  s3("AZ://ctr-1", "ctr-1", "");
  s3("az://$root/k", "$root", "k");
  CHECK(parse_location("az://ctr/k").service == raws3::Service::AzureBlob);
  CHECK(parse_location("az://ctr/k").scheme() == "az://");

  CHECK(parse_location("-").kind == Location::Stdio);

  file("file:///abs/path", "/abs/path");
  file("file:///tmp/a%20b%25", "/tmp/a b%");
  file("file://localhost/etc/hosts", "/etc/hosts");
  file("file:/abs", "/abs");
  file("/abs/path", "/abs/path");
  file("relative/path", "relative/path");
  file("./-", "./-");
  file("with space", "with space");
  file("a:b", "a:b");
  file("c:/x", "c:/x");
  file("100%", "100%");
  file("--", "--");
}

TEST_CASE("parse_location rejects, naming the argument", "[s3-pure][location]") {
  using raws3::store::parse_location;
  const auto rejects = [](std::string_view arg, const std::string& why) {
    CAPTURE(arg);
    CHECK_THROWS_SAYING(parse_location(arg), ConfigError,
                        Contains("\"" + std::string(arg) + "\"") && Contains(why));
  };
  rejects("s3:///key", "no bucket");
  rejects("s3://", "no bucket");
  rejects("s3:/b/k", "expected s3://bucket/key");
  rejects("s3:b/k", "expected s3://bucket/key");
  rejects("s3://bad bucket/k", "invalid bucket name \"bad bucket\"");
  rejects("s3://b?x/k", "invalid bucket name");
  rejects("s3://" + std::string(256, 'b') + "/k", "invalid bucket name");
  rejects("az://", "no container");
  rejects("az:ctr/k", "expected az://container/blob");
  for (const char* bad : {"az://Upper/k", "az://ab/k", "az://-ctr/k", "az://ctr-/k", "az://c--t/k", "az://under_score/k"})
    rejects(bad, "invalid container name");
  rejects("az://" + std::string(64, 'c') + "/k", "invalid container name");
  rejects("gs://bucket/key", "unsupported scheme \"gs\"");
  rejects("http://host/x", "unsupported scheme");
  rejects("file://otherhost/x", "local files only");
  rejects("file:relative", "absolute path");
  rejects("file://", "absolute path");
  rejects("file:///bad%zz", "file:///bad%zz");
  rejects("file:///nul%00x", "%00");
  CHECK_THROWS_SAYING(parse_location(""), ConfigError, Contains("empty"));
}
