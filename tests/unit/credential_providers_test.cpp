// The credential providers that ask the network (instance metadata, container endpoints, STS), driven
// through a scripted transport: what they ask, in which order, with which headers, and how they read the
// answers.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "auth/container_credentials.hpp"
#include "auth/instance_metadata.hpp"
#include "auth/sts.hpp"
#include "auth/timestamp.hpp"
#include "raws3/error.hpp"

using namespace raws3;
using namespace raws3::auth;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

namespace {

using Clock = std::chrono::system_clock;

// Answers each call with what `answer` returns, and keeps every call for the test to look at.
class ScriptedTransport final : public HttpTransport {
 public:
  explicit ScriptedTransport(std::function<HttpAnswer(const HttpCall&)> answer) : answer_(std::move(answer)) {}
  HttpAnswer send(const HttpCall& call) override {
    calls.push_back(call);
    return answer_(call);
  }
  std::vector<HttpCall> calls;

 private:
  std::function<HttpAnswer(const HttpCall&)> answer_;
};

const std::string* header(const HttpCall& call, std::string_view name) {
  for (const Header& h : call.headers) {
    if (h.name.size() == name.size() &&
        std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return &h.value;
  }
  return nullptr;
}

std::string in_an_hour() {
  const std::time_t t = Clock::to_time_t(Clock::now() + std::chrono::hours(1));
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string imds_document(const std::string& key, const std::string& expiration) {
  return R"({"Code":"Success","LastUpdated":"2025-06-01T11:00:00Z","Type":"AWS-HMAC","AccessKeyId":")" + key +
         R"(","SecretAccessKey":"SECRET","Token":"TOKEN","Expiration":")" + expiration + "\"}";
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("no raws3::Error");
  return {};
}

std::function<std::optional<std::string>(std::string_view)> env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "raws3-providers-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace

// --- instance metadata --------------------------------------------------------------------------------

TEST_CASE("instance metadata: IMDSv2 token first, then the role and its credentials with the token", "[providers]") {
  const std::string expiration = in_an_hour();
  ScriptedTransport transport([&](const HttpCall& call) -> HttpAnswer {
    if (call.method == "PUT" && call.url == "http://127.0.0.1:9/latest/api/token") return {200, "THE-TOKEN"};
    if (call.url == "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/") return {200, "my-role\n"};
    if (call.url == "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/my-role")
      return {200, imds_document("IMDSKEY", expiration)};
    return {404, ""};
  });
  ImdsSettings settings;
  settings.endpoint = "http://127.0.0.1:9";  // no trailing slash: one is added
  ImdsProvider provider(settings, "explicit options");
  const Credentials credentials = provider.fetch(transport);
  CHECK(credentials.access_key_id == "IMDSKEY");
  CHECK(credentials.secret_access_key == "SECRET");
  CHECK(credentials.session_token == "TOKEN");
  CHECK(credentials.expiration == parse_iso8601(expiration));
  CHECK(provider.source() == "instance metadata (http://127.0.0.1:9)");

  REQUIRE(transport.calls.size() == 3);
  CHECK(transport.calls[0].method == "PUT");
  REQUIRE(header(transport.calls[0], "x-aws-ec2-metadata-token-ttl-seconds"));
  CHECK(*header(transport.calls[0], "x-aws-ec2-metadata-token-ttl-seconds") == "21600");
  for (const std::size_t i : {1u, 2u}) {
    CHECK(transport.calls[i].method == "GET");
    REQUIRE(header(transport.calls[i], "x-aws-ec2-metadata-token"));
    CHECK(*header(transport.calls[i], "x-aws-ec2-metadata-token") == "THE-TOKEN");
  }
  for (const HttpCall& call : transport.calls) CHECK(call.timeout == std::chrono::milliseconds(1000));
}

TEST_CASE("instance metadata: no token means IMDSv1, unless that is disabled", "[providers]") {
  const std::string expiration = in_an_hour();
  bool put_times_out = false;
  ScriptedTransport transport([&](const HttpCall& call) -> HttpAnswer {
    if (call.method == "PUT") {
      if (put_times_out) throw NetworkError("read from 127.0.0.1:9: timed out");
      return {403, ""};
    }
    if (call.url.ends_with("/security-credentials/")) return {200, "role"};
    return {200, imds_document("V1KEY", expiration)};
  });
  ImdsSettings settings;
  settings.endpoint = "http://127.0.0.1:9/";

  SECTION("the service refuses tokens (403)") {}
  SECTION("the token's answer never comes (a container one network hop too far)") { put_times_out = true; }
  CHECK(ImdsProvider(settings, "x").fetch(transport).access_key_id == "V1KEY");
  REQUIRE(transport.calls.size() == 3);
  CHECK_FALSE(header(transport.calls[1], "x-aws-ec2-metadata-token"));
  CHECK_FALSE(header(transport.calls[2], "x-aws-ec2-metadata-token"));

  transport.calls.clear();
  settings.v1_disabled = true;
  CHECK_THAT(error_of([&] { ImdsProvider(settings, "").fetch(transport); }),
             StartsWith("instance metadata (http://127.0.0.1:9/): no IMDSv2 token"));
  CHECK(transport.calls.size() == 1);
}

TEST_CASE("instance metadata: the chain's last resort names every place looked in", "[providers]") {
  bool up = false;
  const std::string expiration = in_an_hour();
  ScriptedTransport transport([&](const HttpCall& call) -> HttpAnswer {
    if (!up) throw NetworkError("connect to 127.0.0.1:9: Connection refused");
    if (call.method == "PUT") return {200, "T"};
    if (call.url.ends_with("/security-credentials/")) return {200, "role"};
    return {200, imds_document("K", expiration)};
  });
  ImdsSettings settings;
  settings.endpoint = "http://127.0.0.1:9/";
  settings.attempts = 2;
  ImdsProvider provider(settings, "explicit options, environment");
  CHECK_THAT(error_of([&] { provider.fetch(transport); }),
             Equals("no AWS credentials found: looked in explicit options, environment, instance metadata "
                    "(http://127.0.0.1:9/: GET http://127.0.0.1:9/latest/meta-data/iam/security-credentials/: "
                    "connect to 127.0.0.1:9: Connection refused)"));
  CHECK(transport.calls.size() == 4);  // PUT twice, then the IMDSv1 GET twice
  up = true;
  CHECK(provider.fetch(transport).access_key_id == "K");
  // Once it has answered, a failure is a failed refresh of its own credentials.
  up = false;
  CHECK_THAT(error_of([&] { provider.fetch(transport); }),
             StartsWith("instance metadata (http://127.0.0.1:9/): GET "));
}

TEST_CASE("instance metadata: answers that hold no credentials", "[providers]") {
  const auto now = Clock::now();
  CHECK_THAT(error_of([&] {
               parse_imds_credentials(R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role"})",
                                      "http://h/r", now);
             }),
             Equals("instance metadata (http://h/r) answered AssumeRoleUnauthorizedAccess: EC2 cannot assume the role"));
  CHECK_THAT(error_of([&] {
               parse_imds_credentials(R"({"Code":"Success","AccessKeyId":"A","SecretAccessKey":"S","Expiration":")" +
                                          in_an_hour() + "\"}",
                                      "http://h/r", now);
             }),
             Equals("instance metadata (http://h/r) answered no \"Token\""));
  CHECK_THAT(error_of([&] { parse_imds_credentials("<html>", "http://h/r", now); }),
             StartsWith("instance metadata (http://h/r) answered invalid JSON"));
  CHECK_THAT(error_of([&] {
               parse_imds_credentials(imds_document("A", "2001-01-01T00:00:00Z"), "http://h/r", now);
             }),
             Equals("instance metadata (http://h/r) returned credentials that expired at 2001-01-01T00:00:00Z"));
}

TEST_CASE("instance metadata: a failed GET is tried again within the attempts", "[providers]") {
  int failures = 1;
  const std::string expiration = in_an_hour();
  ScriptedTransport transport([&](const HttpCall& call) -> HttpAnswer {
    if (call.method == "PUT") return {200, "T"};
    if (call.url.ends_with("/security-credentials/")) return {200, "role"};
    if (failures-- > 0) return {500, ""};
    return {200, imds_document("AGAIN", expiration)};
  });
  ImdsSettings settings;
  settings.endpoint = "http://127.0.0.1:9/";
  settings.attempts = 2;
  CHECK(ImdsProvider(settings, "").fetch(transport).access_key_id == "AGAIN");
  CHECK(transport.calls.size() == 4);
}

// --- container credentials ------------------------------------------------------------------------------

TEST_CASE("container: which URL, and which hosts a full URI may name", "[providers]") {
  CHECK_FALSE(container_settings(env_of({})).has_value());
  CHECK(container_settings(env_of({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}}))->url ==
        "http://169.254.170.2/v2/credentials/abc");
  // The relative URI wins.
  CHECK(container_settings(env_of({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/r"},
                                   {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/f"}}))
            ->url == "http://169.254.170.2/r");
  for (const std::string url : {"http://127.0.0.1:8080/creds", "http://127.5.5.5/c", "http://[::1]:9/c",
                                "http://localhost:9/c", "http://169.254.170.23/v1/credentials",
                                "http://[fd00:ec2::23]/v1/credentials", "https://creds.example.com/c"}) {
    CAPTURE(url);
    CHECK(container_settings(env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}}))->url == url);
  }
  CHECK_THAT(error_of([] { container_settings(env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example/c"}})); }),
             StartsWith("AWS_CONTAINER_CREDENTIALS_FULL_URI: host \"evil.example\" is not allowed over http"));
  CHECK_THAT(error_of([] { container_settings(env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.1/c"}})); }),
             Contains("is not allowed"));
  CHECK_THAT(error_of([] { container_settings(env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "nonsense"}})); }),
             Contains("is not an http(s) URL"));
}

TEST_CASE("container: the authorization token, from the file (read at every fetch) over the variable", "[providers]") {
  TempDir dir;
  const std::string expiration = in_an_hour();
  ScriptedTransport transport([&](const HttpCall&) -> HttpAnswer {
    return {200, R"({"AccessKeyId":"CKEY","SecretAccessKey":"S","Token":"T","Expiration":")" + expiration +
                     R"(","RoleArn":"arn:aws:iam::1:role/r"})"};
  });
  auto settings = *container_settings(env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds"},
                                              {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-variable"}}));
  {
    ContainerProvider provider(settings);
    CHECK(provider.fetch(transport).access_key_id == "CKEY");
    REQUIRE(header(transport.calls.back(), "Authorization"));
    CHECK(*header(transport.calls.back(), "Authorization") == "from-variable");
    CHECK(*header(transport.calls.back(), "Accept") == "application/json");
    CHECK(transport.calls.back().url == "http://127.0.0.1:9/creds");
  }
  settings.authorization_token_file = dir.write("token", "first");
  ContainerProvider provider(settings);
  provider.fetch(transport);
  CHECK(*header(transport.calls.back(), "Authorization") == "first");
  dir.write("token", "rotated");
  provider.fetch(transport);
  CHECK(*header(transport.calls.back(), "Authorization") == "rotated");

  dir.write("token", "line\r\nbreak");
  CHECK_THAT(error_of([&] { provider.fetch(transport); }), Contains("the authorization token holds a line break"));
  settings.authorization_token_file = dir.write("token", "x") + ".missing";
  CHECK_THAT(error_of([&] { ContainerProvider(settings).fetch(transport); }),
             Contains("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '" + settings.authorization_token_file +
                      "': No such file or directory"));
}

TEST_CASE("container: failures are tried three times, then name the endpoint and the cause", "[providers]") {
  int status = 500;
  ScriptedTransport transport([&](const HttpCall&) -> HttpAnswer { return {status, "agent says no"}; });
  auto settings = *container_settings(env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/c"}}));
  settings.retry_pause = std::chrono::milliseconds(0);
  CHECK_THAT(error_of([&] { ContainerProvider(settings).fetch(transport); }),
             Equals("container credentials (http://127.0.0.1:9/c): HTTP 500: agent says no"));
  CHECK(transport.calls.size() == 3);
  CHECK_THAT(error_of([] { parse_container_credentials(R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T"})",
                                                          "http://h/c", Clock::now()); }),
             Equals("container credentials (http://h/c) answered no \"Expiration\""));
}

// --- STS --------------------------------------------------------------------------------------------------

TEST_CASE("sts: the AssumeRole call is a form POST signed for sts with the source's credentials", "[providers]") {
  AssumeRoleSettings settings{"arn:aws:iam::123456789012:role/reader", "my session", "ext-1", 900u};
  StsEndpoint endpoint{"http://127.0.0.1:5000", "eu-west-1"};
  const Credentials source{"SRCKEY", "SRCSECRET", "SRCTOKEN", std::nullopt};
  const auto now = std::chrono::sys_days{std::chrono::year{2025} / 6 / 1} + std::chrono::hours(12);
  const HttpCall call = assume_role_call(settings, endpoint, source, now);
  CHECK(call.method == "POST");
  CHECK(call.url == "http://127.0.0.1:5000");
  CHECK(call.body ==
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Freader&"
        "RoleSessionName=my%20session&ExternalId=ext-1&DurationSeconds=900");
  CHECK(*header(call, "Host") == "127.0.0.1:5000");
  CHECK(*header(call, "Content-Type") == "application/x-www-form-urlencoded; charset=utf-8");
  CHECK(*header(call, "X-Amz-Date") == "20250601T120000Z");
  CHECK(*header(call, "X-Amz-Security-Token") == "SRCTOKEN");
  CHECK_THAT(*header(call, "Authorization"),
             StartsWith("AWS4-HMAC-SHA256 Credential=SRCKEY/20250601/eu-west-1/sts/aws4_request, SignedHeaders="));
  CHECK_FALSE(header(call, "x-amz-content-sha256"));
  CHECK(call.timeout == std::chrono::milliseconds(10'000));
}

TEST_CASE("sts: AssumeRoleWithWebIdentity goes unsigned", "[providers]") {
  const HttpCall call = web_identity_call({"arn:aws:iam::1:role/web", "pod", "/t"}, {"https://sts.us-east-1.amazonaws.com", "us-east-1"},
                                          "eyJ.token+/=");
  CHECK(call.body ==
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fweb&"
        "RoleSessionName=pod&WebIdentityToken=eyJ.token%2B%2F%3D");
  CHECK_FALSE(header(call, "Authorization"));
  CHECK_FALSE(header(call, "X-Amz-Date"));
  CHECK(sts_regional_url("eu-central-1") == "https://sts.eu-central-1.amazonaws.com");
  CHECK(sts_regional_url("cn-north-1") == "https://sts.cn-north-1.amazonaws.com.cn");
}

TEST_CASE("sts: answers", "[providers]") {
  const std::string expiration = in_an_hour();
  const std::string ok = R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult><Credentials><AccessKeyId>ASIAKEY</AccessKeyId><SecretAccessKey>SK</SecretAccessKey>
  <SessionToken>ST</SessionToken><Expiration>)" + expiration + R"(</Expiration></Credentials>
  <AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn></AssumedRoleUser></AssumeRoleResult>
  <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></AssumeRoleResponse>)";
  const Credentials credentials = parse_sts_answer({200, ok}, "AssumeRole r", Clock::now());
  CHECK(credentials.access_key_id == "ASIAKEY");
  CHECK(credentials.secret_access_key == "SK");
  CHECK(credentials.session_token == "ST");
  CHECK(credentials.expiration == parse_iso8601(expiration));

  const std::string denied = R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>
  <Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error><RequestId>x</RequestId></ErrorResponse>)";
  CHECK_THAT(error_of([&] { parse_sts_answer({403, denied}, "AssumeRole r", Clock::now()); }),
             Equals("AssumeRole r: AccessDenied (HTTP 403): not authorized to perform sts:AssumeRole"));
  CHECK_THAT(error_of([&] { parse_sts_answer({502, "<html>bad gateway</html>"}, "AssumeRole r", Clock::now()); }),
             Equals("AssumeRole r: HTTP 502"));
  CHECK_THAT(error_of([&] { parse_sts_answer({200, "<AssumeRoleResponse/>"}, "AssumeRole r", Clock::now()); }),
             Equals("AssumeRole r: the answer holds no <Credentials>"));
}

TEST_CASE("sts: AssumeRole asks its source, and tries again after a transient answer", "[providers]") {
  const std::string expiration = in_an_hour();
  int unavailable = 1;
  ScriptedTransport transport([&](const HttpCall&) -> HttpAnswer {
    if (unavailable-- > 0) return {503, "<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>"};
    return {200, "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ROLEKEY</AccessKeyId><SecretAccessKey>S"
                 "</SecretAccessKey><SessionToken>T</SessionToken><Expiration>" + expiration +
                     "</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"};
  });
  StsEndpoint endpoint{"http://127.0.0.1:5000/", "us-east-1"};
  endpoint.retry_pause = std::chrono::milliseconds(0);
  AssumeRoleProvider provider({"arn:aws:iam::1:role/r", {}, {}, std::nullopt}, endpoint,
                              std::make_unique<StaticProvider>(Credentials{"SRC", "S", "", std::nullopt}, "environment"),
                              "/h/.aws/config [profile p]");
  CHECK(provider.fetch(transport).access_key_id == "ROLEKEY");
  REQUIRE(transport.calls.size() == 2);
  CHECK_THAT(*header(transport.calls[1], "Authorization"), Contains("Credential=SRC/"));
  // No role_session_name: one is made up, as botocore does, and kept for every refresh.
  CHECK_THAT(transport.calls[0].body, Contains("RoleSessionName=raws3-session-"));
  CHECK(provider.source() == "AssumeRole arn:aws:iam::1:role/r (/h/.aws/config [profile p], STS http://127.0.0.1:5000/)");
}

TEST_CASE("sts: web identity reads its token file at every fetch", "[providers]") {
  TempDir dir;
  const std::string expiration = in_an_hour();
  ScriptedTransport transport([&](const HttpCall&) -> HttpAnswer {
    return {200, "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>WEB"
                 "</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>" +
                     expiration + "</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
                                  "</AssumeRoleWithWebIdentityResponse>"};
  });
  const std::string token_file = dir.write("token", "first-token\n");
  WebIdentityProvider provider({"arn:aws:iam::1:role/web", "s", token_file}, {"http://127.0.0.1:5000", "us-east-1"},
                               "AWS_WEB_IDENTITY_TOKEN_FILE");
  CHECK(provider.fetch(transport).access_key_id == "WEB");
  CHECK(transport.calls.back().body.ends_with("&WebIdentityToken=first-token"));  // the newline is not the token's
  dir.write("token", "second-token");
  provider.fetch(transport);
  CHECK(transport.calls.back().body.ends_with("&WebIdentityToken=second-token"));
  std::filesystem::remove(token_file);
  CHECK_THAT(error_of([&] { provider.fetch(transport); }),
             Contains("cannot read the token file '" + token_file + "': No such file or directory"));
}
