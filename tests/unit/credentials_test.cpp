// Credentials, region and endpoint resolution: the profile file parser, credential_process and the chain.
// Every test runs against files under its own temporary directory and an injected environment.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "auth/credential_chain.hpp"
#include "auth/credential_process.hpp"
#include "auth/profile_file.hpp"
#include "auth/timestamp.hpp"
#include "auth/http_transport.hpp"
#include "auth/uri_encode.hpp"
#include "raws3/error.hpp"

using namespace raws3;
using namespace raws3::auth;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

namespace {

class TempHome {
 public:
  TempHome() {
    std::string pattern = (std::filesystem::temp_directory_path() / "raws3-creds-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    std::filesystem::create_directory(path_ / ".aws");
    env_["HOME"] = path_.string();
    // The chain's last resort is the instance metadata service: no test reaches the real one.
    env_["AWS_EC2_METADATA_DISABLED"] = "true";
  }
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;
  ~TempHome() { std::filesystem::remove_all(path_); }

  std::string write(const std::string& relative, const std::string& text) const {
    const auto file = path_ / relative;
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }
  std::string credentials(const std::string& text) const { return write(".aws/credentials", text); }
  std::string config(const std::string& text) const { return write(".aws/config", text); }
  std::string path(const std::string& relative) const { return (path_ / relative).string(); }

  void set(const std::string& name, const std::string& value) { env_[name] = value; }
  void unset(const std::string& name) { env_.erase(name); }
  EnvLookup env() const {
    return [vars = env_](std::string_view name) -> std::optional<std::string> {
      const auto it = vars.find(std::string(name));
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }

 private:
  std::filesystem::path path_;
  std::map<std::string, std::string> env_;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("no raws3::Error");
  return {};
}

const auto kNow = std::chrono::sys_days{std::chrono::year{2025} / 6 / 1} + std::chrono::hours(12);

// The chain's providers, fetched: none of these tests may reach the network.
class NoNetwork final : public HttpTransport {
 public:
  HttpAnswer send(const HttpCall& call) override {
    FAIL("unexpected request: " << call.method << " " << call.url);
    return {};
  }
};

struct Fetched {
  Credentials credentials;
  std::string source;
};

Fetched credentials_of(const ResolveRequest& request, const EnvLookup& env) {
  const auto provider = resolve_credentials(request, env);
  REQUIRE(provider);
  NoNetwork network;
  return {provider->fetch(network), provider->source()};
}

struct Settings {
  Credentials credentials;
  std::string credentials_source;
  std::string region;
  std::string endpoint_url;
  std::string profile;
};

Settings settings_of(const ResolveRequest& request, const EnvLookup& env) {
  ResolvedSettings resolved = resolve_settings(request, env);
  REQUIRE(resolved.credentials);
  NoNetwork network;
  return {resolved.credentials->fetch(network), resolved.credentials->source(), resolved.location.region,
          resolved.location.endpoint_url, resolved.location.profile};
}

}  // namespace

// --- The INI parser ---------------------------------------------------------------------------------------

TEST_CASE("profile file: sections, keys, whitespace and empty values", "[credentials]") {
  const auto file = parse_profile_file(
      "[default]\n"
      "  aws_access_key_id=AKID  \n"
      "Region\t =   eu-west-1\r\n"
      "empty =\n"
      "colon: yes\n"
      "[profile   prod]\n"
      "value = a=b\n",
      "test");
  REQUIRE(file.sections.size() == 2);
  const auto& def = file.sections.at("default").values;
  CHECK(def.at("aws_access_key_id") == "AKID");
  CHECK(def.at("region") == "eu-west-1");  // configparser lower-cases keys
  CHECK(def.at("empty").empty());
  CHECK(def.at("colon") == "yes");
  CHECK(file.sections.at("profile prod").values.at("value") == "a=b");
}

TEST_CASE("profile file: full-line and inline comments", "[credentials]") {
  const auto file = parse_profile_file(
      "# comment\n"
      "; comment\n"
      "[default] ; after a section\n"
      "   # indented comment\n"
      "region = us-west-2 # inline\n"
      "output = json;not a comment\n"
      "url = http://h/#frag\n"
      "cmd = echo a\t; inline after a tab\n",
      "test");
  const auto& def = file.sections.at("default").values;
  CHECK(def.size() == 4);
  CHECK(def.at("region") == "us-west-2");
  CHECK(def.at("output") == "json;not a comment");
  CHECK(def.at("url") == "http://h/#frag");
  CHECK(def.at("cmd") == "echo a");
}

TEST_CASE("profile file: nested sub-sections and continued values", "[credentials]") {
  const auto file = parse_profile_file(
      "[default]\n"
      "s3 =\n"
      "  endpoint_url = http://127.0.0.1:9000 # local\n"
      "\n"
      "  # comment inside\n"
      "  Addressing_Style = path\n"
      "long = first\n"
      "  second\n"
      "after = x\n",
      "test");
  const auto& section = file.sections.at("default");
  CHECK_FALSE(section.values.contains("s3"));
  const auto& s3 = section.subsections.at("s3");
  CHECK(s3.at("endpoint_url") == "http://127.0.0.1:9000");
  CHECK(s3.at("Addressing_Style") == "path");  // botocore keeps nested keys as written
  CHECK(section.values.at("long") == "first\nsecond");
  CHECK(section.values.at("after") == "x");
}

TEST_CASE("profile file: malformed lines name the file and the line", "[credentials]") {
  const auto broken = [](const std::string& text) {
    return error_of([&] { parse_profile_file(text, "/home/u/.aws/config"); });
  };
  CHECK_THAT(broken("[default]\nregion = x\n\n# c\nthis is not a key\n"),
             Equals(R"(/home/u/.aws/config:5: expected "key = value" or "[section]")"));
  CHECK_THAT(broken("[default]\nregion = x\n[profile broken\n"), Contains("/home/u/.aws/config:3: "));
  CHECK_THAT(broken("[default\n"), Contains(":1: expected \"]\""));
  CHECK_THAT(broken("region = x\n"), Contains(":1: expected a \"[section]\""));
  CHECK_THAT(broken("[default]\n= x\n"), Contains(":2: missing key"));
  CHECK_THAT(broken("[]\n"), Contains(":1: empty section name"));
  CHECK_THAT(broken("[default]\n[default]\n"), Contains(":2: duplicate section [default]"));
  CHECK_THAT(broken("[default]\nA = 1\na = 2\n"), Contains(":3: duplicate key \"a\""));
  CHECK_THAT(broken("[default]\ns3 =\n  no equals sign\n"),
             Contains(":3: expected \"key = value\" in the \"s3\""));
  CHECK_THAT(broken("[a] b\n"), Contains(":1: unexpected text"));
}

TEST_CASE("profile file: a missing file is skipped, a directory is an error", "[credentials]") {
  TempHome home;
  CHECK_FALSE(load_profile_file(home.path("nope")).content.has_value());
  CHECK(load_profile_file(home.path("nope")).unreadable.empty());
  CHECK_FALSE(load_profile_file(home.path("nope/deeper")).content.has_value());
  CHECK_THAT(load_profile_file(home.path(".aws")).unreadable, Equals("cannot read " + home.path(".aws") + ": Is a directory"));
  const auto loaded = load_profile_file(home.config("[default]\nregion = x\n"));
  REQUIRE(loaded.content.has_value());
  CHECK(loaded.content->sections.at("default").values.at("region") == "x");
}

// --- credential_process output -----------------------------------------------------------------------------

TEST_CASE("credential_process output: fields and expiration", "[credentials]") {
  const auto creds = parse_credential_process_output(
      R"({"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "SECRET", "SessionToken": "TOKEN",
          "Expiration": "2025-06-01T13:00:00Z"})",
      "helper", kNow);
  CHECK(creds.access_key_id == "AKID");
  CHECK(creds.secret_access_key == "SECRET");
  CHECK(creds.session_token == "TOKEN");
  REQUIRE(creds.expiration.has_value());
  CHECK(*creds.expiration == kNow + std::chrono::hours(1));

  const auto long_term = parse_credential_process_output(
      R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","SessionToken":null})", "helper", kNow);
  CHECK(long_term.session_token.empty());
  CHECK_FALSE(long_term.expiration.has_value());
}

TEST_CASE("credential_process output: ISO 8601 variants", "[credentials]") {
  const auto expiry = [](const std::string& text) {
    return *parse_credential_process_output(
                R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":")" + text + "\"}", "h",
                kNow)
                .expiration;
  };
  const auto at_13 = kNow + std::chrono::hours(1);
  CHECK(expiry("2025-06-01T13:00:00.250Z") == at_13 + std::chrono::milliseconds(250));
  CHECK(expiry("2025-06-01T15:00:00+02:00") == at_13);
  CHECK(expiry("2025-06-01T10:30:00-0230") == at_13);
  CHECK(expiry("2025-06-01t13:00:00z") == at_13);
  CHECK(expiry("9999-12-31T23:59:59Z") == std::chrono::system_clock::time_point::max());
}

TEST_CASE("credential_process output: errors name the command", "[credentials]") {
  const auto rejected = [](const std::string& json) {
    return error_of([&] { parse_credential_process_output(json, "my-helper --x", kNow); });
  };
  CHECK_THAT(rejected("{not json"), Contains("credential_process \"my-helper --x\" printed invalid JSON"));
  CHECK_THAT(rejected("[1]"), Contains("not an object"));
  CHECK_THAT(rejected(R"({"Version":2,"AccessKeyId":"A","SecretAccessKey":"S"})"),
             Contains("\"Version\": 1"));
  CHECK_THAT(rejected(R"({"AccessKeyId":"A","SecretAccessKey":"S"})"), Contains("\"Version\": 1"));
  CHECK_THAT(rejected(R"({"Version":1,"AccessKeyId":"A"})"), Contains("printed no \"SecretAccessKey\""));
  CHECK_THAT(rejected(R"({"Version":1,"AccessKeyId":7,"SecretAccessKey":"S"})"),
             Contains("\"AccessKeyId\" that is not a string"));
  CHECK_THAT(rejected(R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"tomorrow"})"),
             Contains("not an ISO 8601 time: \"tomorrow\""));
  CHECK_THAT(
      rejected(
          R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2025-02-30T00:00:00Z"})"),
      Contains("not an ISO 8601 time"));
  CHECK_THAT(
      rejected(
          R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2025-06-01T12:00:00Z"})"),
      Equals(
          "credential_process \"my-helper --x\" returned credentials that expired at 2025-06-01T12:00:00Z"));
}

// --- credential_process, run for real -------------------------------------------------------------------

TEST_CASE("credential_process: a shell command's JSON, expiring in the future", "[credentials]") {
  TempHome home;
  const auto json = home.write(
      "creds.json",
      R"({"Version":1,"AccessKeyId":"PROCKEY","SecretAccessKey":"PROCSECRET","SessionToken":"PROCTOKEN",)"
      R"("Expiration":"2999-01-01T00:00:00Z"})");
  const auto creds = run_credential_process("echo noise >&2; cat '" + json + "'");
  CHECK(creds.access_key_id == "PROCKEY");
  CHECK(creds.secret_access_key == "PROCSECRET");
  CHECK(creds.session_token == "PROCTOKEN");
  CHECK(creds.expiration.has_value());
}

TEST_CASE("credential_process: expired, failing, killed, endless", "[credentials]") {
  TempHome home;
  const auto json = home.write(
      "creds.json",
      R"({"Version":1,"AccessKeyId":"K","SecretAccessKey":"S","Expiration":"2001-01-01T00:00:00Z"})");
  CHECK_THAT(error_of([&] { run_credential_process("cat '" + json + "'"); }),
             Contains("returned credentials that expired at 2001-01-01T00:00:00Z"));
  CHECK_THAT(
      error_of([] { run_credential_process("echo first >&2; echo 'token expired' >&2; exit 3"); }),
      Equals("credential_process \"echo first >&2; echo 'token expired' >&2; exit 3\" exited with status 3: "
             "token expired"));
  CHECK_THAT(error_of([] { run_credential_process("kill -9 $$"); }), Contains("was killed by signal 9"));
  CHECK_THAT(error_of([] { run_credential_process("echo nope"); }),
             Contains("\"echo nope\" printed invalid JSON"));
  // A command that never stops printing is cut off and killed.
  CHECK_THAT(error_of([] { run_credential_process("yes"); }),
             Equals("credential_process \"yes\" printed more than 1048576 bytes"));
  CHECK_THAT(error_of([] { run_credential_process("read line; echo \"$line\""); }),
             Contains("printed invalid JSON"));
}

// --- The chain ------------------------------------------------------------------------------------------

TEST_CASE("chain: default profile from the credentials file, region from the config file", "[credentials]") {
  TempHome home;
  const auto credentials_path = home.credentials(
      "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\naws_session_token = "
      "FILETOKEN\n");
  home.config("[default]\nregion = eu-central-1\n");
  const auto settings = settings_of({}, home.env());
  CHECK(settings.credentials.access_key_id == "FILEKEY");
  CHECK(settings.credentials.secret_access_key == "FILESECRET");
  CHECK(settings.credentials.session_token == "FILETOKEN");
  CHECK(settings.credentials_source == credentials_path + " [default]");
  CHECK(settings.region == "eu-central-1");
  CHECK(settings.endpoint_url.empty());
  CHECK(settings.profile == "default");
}

TEST_CASE("chain: named profiles are [profile x] in config and [x] in credentials", "[credentials]") {
  TempHome home;
  home.credentials(
      "[default]\naws_access_key_id = D\naws_secret_access_key = D\n"
      "[prod]\naws_access_key_id = PRODKEY\naws_secret_access_key = PRODSECRET\n");
  const auto config_path = home.config(
      "[default]\nregion = us-west-1\n"
      "[prod]\nregion = ignored-not-a-profile\n"
      "[profile prod]\nregion = ap-south-1\n"
      "[profile onlyconfig]\naws_access_key_id = CFGKEY\naws_secret_access_key = CFGSECRET\n");

  ResolveRequest request;
  request.profile = "prod";
  auto settings = settings_of(request, home.env());
  CHECK(settings.credentials.access_key_id == "PRODKEY");
  CHECK(settings.region == "ap-south-1");
  CHECK(settings.profile == "prod");

  request.profile = "onlyconfig";
  settings = settings_of(request, home.env());
  CHECK(settings.credentials.access_key_id == "CFGKEY");
  CHECK(settings.credentials_source == config_path + " [profile onlyconfig]");
  CHECK(settings.region == "us-east-1");
}

TEST_CASE("chain: the credentials file wins over the config file for the same key", "[credentials]") {
  TempHome home;
  home.credentials("[default]\naws_access_key_id = K\naws_secret_access_key = S\nregion = eu-north-1\n");
  home.config("[profile default]\nregion = us-west-2\n[default]\nregion = ignored\n");
  CHECK(resolve_region_and_endpoint({}, home.env()).region == "eu-north-1");
}

TEST_CASE("chain: AWS_PROFILE, and --profile over AWS_PROFILE", "[credentials]") {
  TempHome home;
  home.credentials(
      "[a]\naws_access_key_id = AKEY\naws_secret_access_key = S\n"
      "[b]\naws_access_key_id = BKEY\naws_secret_access_key = S\n");
  home.set("AWS_PROFILE", "a");
  CHECK(credentials_of({}, home.env()).credentials.access_key_id == "AKEY");
  ResolveRequest request;
  request.profile = "b";
  CHECK(credentials_of(request, home.env()).credentials.access_key_id == "BKEY");
}

TEST_CASE("chain: a profile asked for by name must exist", "[credentials]") {
  TempHome home;
  const auto credentials_path =
      home.credentials("[default]\naws_access_key_id = K\naws_secret_access_key = S\n");
  home.set("AWS_PROFILE", "missing");
  CHECK_THAT(error_of([&] { settings_of({}, home.env()); }),
             Equals("profile \"missing\" not found: looked in " + credentials_path +
                    " [missing] (no such section), " + home.path(".aws/config") +
                    " [profile missing] (file not found)"));
}

TEST_CASE("chain: environment over files, explicit over environment", "[credentials]") {
  TempHome home;
  home.credentials("[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n");
  home.set("AWS_ACCESS_KEY_ID", "ENVKEY");
  home.set("AWS_SECRET_ACCESS_KEY", "ENVSECRET");
  home.set("AWS_SESSION_TOKEN", "ENVTOKEN");
  auto resolved = credentials_of({}, home.env());
  CHECK(resolved.credentials.access_key_id == "ENVKEY");
  CHECK(resolved.credentials.session_token == "ENVTOKEN");
  CHECK(resolved.source == "environment");

  ResolveRequest request;
  request.explicit_credentials = Credentials{"EXPKEY", "EXPSECRET", "", std::nullopt};
  resolved = credentials_of(request, home.env());
  CHECK(resolved.credentials.access_key_id == "EXPKEY");
  CHECK(resolved.credentials.session_token.empty());
  CHECK(resolved.source == "explicit options");

  request.explicit_credentials = Credentials{"EXPKEY", "", "", std::nullopt};
  CHECK_THAT(error_of([&] { credentials_of(request, home.env()); }),
             Contains("explicit credentials need both"));

  SECTION("--profile passes over the environment's keys, as aws --profile does") {
    ResolveRequest by_name;
    by_name.profile = "default";
    CHECK(credentials_of(by_name, home.env()).credentials.access_key_id == "FILEKEY");
  }
  SECTION("an access key without a secret in the environment") {
    home.set("AWS_SECRET_ACCESS_KEY", "");
    CHECK_THAT(error_of([&] { credentials_of({}, home.env()); }),
               Equals("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
  }
}

TEST_CASE("chain: aws_access_key_id without aws_secret_access_key names file and profile", "[credentials]") {
  TempHome home;
  const auto credentials_path = home.credentials("[dev]\naws_access_key_id = K\n");
  ResolveRequest request;
  request.profile = "dev";
  CHECK_THAT(error_of([&] { credentials_of(request, home.env()); }),
             Equals(credentials_path + " [dev]: aws_access_key_id without aws_secret_access_key"));
}

TEST_CASE("chain: a broken file is reported with its line", "[credentials]") {
  TempHome home;
  const auto config_path = home.config("[default]\nregion = x\n[profile dev\n");
  CHECK_THAT(error_of([&] { resolve_region_and_endpoint({}, home.env()); }), Contains(config_path + ":3: "));
}

TEST_CASE("chain: AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE", "[credentials]") {
  TempHome home;
  home.credentials("[default]\naws_access_key_id = HOMEKEY\naws_secret_access_key = S\n");
  const auto other_credentials = home.write("other-credentials",
                                            "[default]\naws_access_key_id = OTHERKEY\n"
                                            "aws_secret_access_key = S\n");
  home.write("other-config", "[default]\nregion = sa-east-1\n");
  home.set("AWS_SHARED_CREDENTIALS_FILE", other_credentials);
  home.set("AWS_CONFIG_FILE", "~/other-config");
  const auto settings = settings_of({}, home.env());
  CHECK(settings.credentials.access_key_id == "OTHERKEY");
  CHECK(settings.region == "sa-east-1");
}

TEST_CASE("chain: region order", "[credentials]") {
  TempHome home;
  home.config("[default]\nregion = from-profile\n");
  ResolveRequest request;
  const auto region = [&] { return resolve_region_and_endpoint(request, home.env()).region; };
  CHECK(region() == "from-profile");
  home.set("AWS_DEFAULT_REGION", "from-default-region");
  CHECK(region() == "from-default-region");
  home.set("AWS_REGION", "from-region");
  CHECK(region() == "from-region");
  request.region = "explicit-1";
  CHECK(region() == "explicit-1");

  TempHome bare;
  CHECK(resolve_region_and_endpoint({}, bare.env()).region == "us-east-1");

  request.region = "us-east-1.evil.example/";
  CHECK_THAT(error_of([&] { region(); }),
             Equals("invalid region \"us-east-1.evil.example/\" (from explicit options)"));
}

TEST_CASE("chain: endpoint_url order, flat and nested", "[credentials]") {
  TempHome home;
  ResolveRequest request;
  const auto endpoint = [&] { return resolve_region_and_endpoint(request, home.env()).endpoint_url; };

  home.config("[default]\nendpoint_url = http://flat:1\n");
  CHECK(endpoint() == "http://flat:1");
  home.config("[default]\nendpoint_url = http://flat:1\ns3 =\n  endpoint_url = http://nested:2\n");
  CHECK(endpoint() == "http://nested:2");
  home.config(
      "[default]\nendpoint_url = http://flat:1\nservices = local\n"
      "[services local]\ns3 =\n  endpoint_url = http://services:3\n");
  CHECK(endpoint() == "http://services:3");
  home.set("AWS_ENDPOINT_URL", "http://env-global:4");
  CHECK(endpoint() == "http://env-global:4");
  home.set("AWS_ENDPOINT_URL_S3", "http://env-s3:5");
  CHECK(endpoint() == "http://env-s3:5");
  request.endpoint_url = "http://explicit:6";
  CHECK(endpoint() == "http://explicit:6");

  TempHome broken;
  const auto config_path = broken.config("[default]\nservices = nowhere\n");
  CHECK_THAT(error_of([&] { resolve_region_and_endpoint({}, broken.env()); }),
             Equals(config_path + " [default]: services = nowhere, but " + config_path +
                    " has no [services nowhere] section"));
}

TEST_CASE("chain: credential_process from the profile", "[credentials]") {
  TempHome home;
  const auto json = home.write(
      "creds.json",
      R"({"Version":1,"AccessKeyId":"PROCKEY","SecretAccessKey":"S","Expiration":"2999-12-31T23:59:59Z"})");
  const auto config_path =
      home.config("[profile tool]\ncredential_process = cat " + json + "  # the helper\n");
  ResolveRequest request;
  request.profile = "tool";
  const auto resolved = credentials_of(request, home.env());
  CHECK(resolved.credentials.access_key_id == "PROCKEY");
  CHECK(resolved.credentials.expiration.has_value());
  CHECK(resolved.source == config_path + " [profile tool] (credential_process)");

  SECTION("static keys come first") {
    home.credentials("[tool]\naws_access_key_id = STATIC\naws_secret_access_key = S\n");
    CHECK(credentials_of(request, home.env()).credentials.access_key_id == "STATIC");
  }
  SECTION("a failing process is an error, not a fall-through") {
    home.config("[profile tool]\ncredential_process = exit 7\n");
    CHECK_THAT(error_of([&] { credentials_of(request, home.env()); }),
               Equals("credential_process \"exit 7\" exited with status 7"));
  }
}

TEST_CASE("chain: no credentials names every place looked in", "[credentials]") {
  TempHome home;
  const auto credentials_path = home.path(".aws/credentials");
  const auto config_path = home.config("[default]\nregion = eu-west-3\n");
  CHECK_THAT(error_of([&] { settings_of({}, home.env()); }),
             Equals("no AWS credentials found: looked in explicit options, environment "
                    "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), " +
                    credentials_path + " [default] (file not found), " + config_path +
                    " [default] (no aws_access_key_id, role_arn or credential_process), container credentials "
                    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_CREDENTIALS_FULL_URI), instance "
                    "metadata (disabled by AWS_EC2_METADATA_DISABLED)"));
  // Without credentials the region is still there for the caller to report.
  CHECK(resolve_region_and_endpoint({}, home.env()).region == "eu-west-3");

  home.credentials("[other]\n");
  ResolveRequest request;
  request.profile = "dev";
  home.config("[profile dev]\nregion = eu-west-3\n");
  CHECK_THAT(error_of([&] { credentials_of(request, home.env()); }),
             Equals("no AWS credentials found: looked in explicit options, " + credentials_path +
                    " [dev] (no such section), " + config_path +
                    " [profile dev] (no aws_access_key_id, role_arn or credential_process), container credentials "
                    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_CREDENTIALS_FULL_URI), instance "
                    "metadata (disabled by AWS_EC2_METADATA_DISABLED)"));
}

// --- The chain's order, and what it never reads -----------------------------------------------------------

namespace {

// Answers the network providers' calls from a script, keeping them.
class ScriptedNetwork final : public HttpTransport {
 public:
  explicit ScriptedNetwork(std::function<HttpAnswer(const HttpCall&)> answer) : answer_(std::move(answer)) {}
  HttpAnswer send(const HttpCall& call) override {
    calls.push_back(call);
    return answer_(call);
  }
  std::vector<HttpCall> calls;

 private:
  std::function<HttpAnswer(const HttpCall&)> answer_;
};

std::string header_of(const HttpCall& call, std::string_view name) {
  for (const Header& h : call.headers)
    if (h.name == name) return h.value;
  return {};
}

std::string iso_in(std::chrono::seconds from_now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + from_now);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// STS's answer to AssumeRole or AssumeRoleWithWebIdentity: key names the credentials.
HttpAnswer sts_answer(const std::string& action, const std::string& key) {
  return {200, "<" + action + "Response><" + action + "Result><Credentials><AccessKeyId>" + key +
                   "</AccessKeyId><SecretAccessKey>" + key + "-SECRET</SecretAccessKey><SessionToken>" + key +
                   "-TOKEN</SessionToken><Expiration>" + iso_in(std::chrono::hours(1)) +
                   "</Expiration></Credentials></" + action + "Result></" + action + "Response>"};
}

std::string form_value(const std::string& body, const std::string& name) {
  const auto at = body.find(name + "=");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 1;
  return uri_decode(body.substr(start, body.find('&', start) - start));
}

// A network where STS assumes any role: the key it hands out is the role's name, upper-cased.
ScriptedNetwork sts_network() {
  return ScriptedNetwork([](const HttpCall& call) {
    const std::string action = form_value(call.body, "Action");
    std::string role = form_value(call.body, "RoleArn");
    role = role.substr(role.rfind('/') + 1);
    for (char& c : role) c = char(std::toupper(static_cast<unsigned char>(c)));
    return sts_answer(action, role);
  });
}

}  // namespace

TEST_CASE("chain order: each provider wins over every later one, which is never read", "[credentials]") {
  TempHome home;
  const auto document = [](const std::string& key) {
    return R"({"AccessKeyId":")" + key + R"(","SecretAccessKey":"S","Token":"T","Expiration":")" +
           iso_in(std::chrono::hours(1)) + "\"}";
  };
  ScriptedNetwork network([&](const HttpCall& call) -> HttpAnswer {
    if (call.url.starts_with("http://127.0.0.1:1/container")) return {200, document("CONTAINERKEY")};
    if (call.method == "PUT") return {200, "T"};
    if (call.url.ends_with("/security-credentials/")) return {200, "role"};
    if (call.url.starts_with("http://127.0.0.1:2/")) return {200, document("IMDSKEY")};
    const std::string action = form_value(call.body, "Action");
    return sts_answer(action, action == "AssumeRole" ? "ASSUMEDKEY" : "WEBKEY");
  });
  const auto winner = [&](const ResolveRequest& request = {}) {
    network.calls.clear();
    const auto provider = resolve_credentials(request, home.env());
    return provider->fetch(network).access_key_id;
  };
  home.unset("AWS_EC2_METADATA_DISABLED");
  home.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:2/");
  home.set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:3");
  CHECK(winner() == "IMDSKEY");
  CHECK(network.calls.size() == 3);
  home.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/container");
  CHECK(winner() == "CONTAINERKEY");
  CHECK(network.calls.size() == 1);  // no instance metadata
  home.config("[default]\naws_access_key_id = CONFIGKEY\naws_secret_access_key = S\n");
  CHECK(winner() == "CONFIGKEY");
  CHECK(network.calls.empty());
  const auto json = home.write("p.json", R"({"Version":1,"AccessKeyId":"PROCESSKEY","SecretAccessKey":"S"})");
  home.config("[default]\naws_access_key_id = CONFIGKEY\naws_secret_access_key = S\ncredential_process = cat " + json + "\n");
  CHECK(winner() == "PROCESSKEY");
  home.credentials("[default]\naws_access_key_id = CREDENTIALSKEY\naws_secret_access_key = S\n");
  CHECK(winner() == "CREDENTIALSKEY");
  home.set("AWS_WEB_IDENTITY_TOKEN_FILE", home.write("token", "web-token"));
  home.set("AWS_ROLE_ARN", "arn:aws:iam::1:role/web");
  CHECK(winner() == "WEBKEY");
  REQUIRE(network.calls.size() == 1);
  CHECK(form_value(network.calls[0].body, "WebIdentityToken") == "web-token");
  CHECK(header_of(network.calls[0], "Authorization").empty());
  home.credentials("[default]\naws_access_key_id = CREDENTIALSKEY\naws_secret_access_key = S\n"
                   "role_arn = arn:aws:iam::1:role/assumed\nsource_profile = default\n");
  CHECK(winner() == "ASSUMEDKEY");
  REQUIRE(network.calls.size() == 1);
  CHECK(form_value(network.calls[0].body, "RoleArn") == "arn:aws:iam::1:role/assumed");
  // Its own static keys are the source: a profile may name itself.
  CHECK_THAT(header_of(network.calls[0], "Authorization"), Contains("Credential=CREDENTIALSKEY/"));
  home.set("AWS_ACCESS_KEY_ID", "ENVKEY");
  home.set("AWS_SECRET_ACCESS_KEY", "S");
  CHECK(winner() == "ENVKEY");
  ResolveRequest request;
  request.explicit_credentials = Credentials{"EXPLICITKEY", "S", "", std::nullopt};
  CHECK(winner(request) == "EXPLICITKEY");
}

TEST_CASE("chain: with keys in the environment no shared file is read", "[credentials]") {
  TempHome home;
  // Directories where the files should be: reading either would fail ("Is a directory").
  std::filesystem::create_directory(home.path("cfg-dir"));
  home.set("AWS_CONFIG_FILE", home.path("cfg-dir"));
  home.set("AWS_SHARED_CREDENTIALS_FILE", home.path("cfg-dir"));
  home.set("AWS_ACCESS_KEY_ID", "ENVKEY");
  home.set("AWS_SECRET_ACCESS_KEY", "S");
  home.set("AWS_REGION", "eu-west-2");
  ResolveRequest request;
  request.endpoint_url = "http://127.0.0.1:9000";
  auto settings = settings_of(request, home.env());
  CHECK(settings.credentials.access_key_id == "ENVKEY");
  CHECK(settings.region == "eu-west-2");
  // The endpoint lookup skips an unreadable file, as awscli does.
  CHECK(settings_of({}, home.env()).endpoint_url.empty());

  SECTION("a lookup that needs the file says which and why") {
    home.unset("AWS_REGION");
    CHECK_THAT(error_of([&] { settings_of(request, home.env()); }),
               Equals("cannot read " + home.path("cfg-dir") + ": Is a directory"));
    home.set("AWS_REGION", "eu-west-2");
    home.unset("AWS_ACCESS_KEY_ID");
    CHECK_THAT(error_of([&] { settings_of(request, home.env()); }),
               Equals("cannot read " + home.path("cfg-dir") + ": Is a directory"));
  }
  SECTION("even a broken file is not read") {
    home.set("AWS_CONFIG_FILE", home.config("[default\n"));
    CHECK(settings_of(request, home.env()).credentials.access_key_id == "ENVKEY");
  }
}

TEST_CASE("chain: AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN and AWS_CREDENTIAL_EXPIRATION", "[credentials]") {
  TempHome home;
  home.set("AWS_ACCESS_KEY_ID", "K");
  home.set("AWS_SECRET_ACCESS_KEY", "S");
  home.set("AWS_SECURITY_TOKEN", "OLD-NAME");
  CHECK(credentials_of({}, home.env()).credentials.session_token == "OLD-NAME");
  home.set("AWS_CREDENTIAL_EXPIRATION", "2999-01-01T00:00:00Z");
  CHECK(credentials_of({}, home.env()).credentials.expiration == std::chrono::system_clock::time_point::max());
  home.set("AWS_CREDENTIAL_EXPIRATION", "soon");
  CHECK_THAT(error_of([&] { credentials_of({}, home.env()); }),
             Equals("AWS_CREDENTIAL_EXPIRATION: \"soon\" is not an ISO 8601 time"));
}

TEST_CASE("chain: assume-role profiles", "[credentials]") {
  TempHome home;
  home.set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000");
  ResolveRequest request;
  request.profile = "target";
  const auto fetch = [&](ScriptedNetwork& network) {
    const auto provider = resolve_credentials(request, home.env());
    return provider->fetch(network);
  };

  SECTION("source_profile with static keys; role_session_name, external_id, duration_seconds") {
    const auto config = home.config(
        "[profile target]\nrole_arn = arn:aws:iam::1:role/target\nsource_profile = base\n"
        "role_session_name = nightly\nexternal_id = EXT\nduration_seconds = 1800\nregion = eu-west-1\n");
    home.credentials("[base]\naws_access_key_id = BASEKEY\naws_secret_access_key = BASESECRET\n");
    ScriptedNetwork network = sts_network();
    const Credentials credentials = fetch(network);
    CHECK(credentials.access_key_id == "TARGET");
    CHECK(credentials.session_token == "TARGET-TOKEN");
    CHECK(credentials.expiration.has_value());
    REQUIRE(network.calls.size() == 1);
    const HttpCall& call = network.calls[0];
    CHECK(call.url == "http://127.0.0.1:5000");
    CHECK(form_value(call.body, "Action") == "AssumeRole");
    CHECK(form_value(call.body, "RoleSessionName") == "nightly");
    CHECK(form_value(call.body, "ExternalId") == "EXT");
    CHECK(form_value(call.body, "DurationSeconds") == "1800");
    // Signed with the source profile's keys, for STS in the profile's region.
    CHECK_THAT(header_of(call, "Authorization"), Contains("Credential=BASEKEY/") && Contains("/eu-west-1/sts/aws4_request"));
    CHECK(resolve_credentials(request, home.env())->source() ==
          "AssumeRole arn:aws:iam::1:role/target (" + config + " [profile target], STS http://127.0.0.1:5000)");
  }
  SECTION("a chain of roles: each assumed with the one before") {
    home.config(
        "[profile target]\nrole_arn = arn:aws:iam::1:role/target\nsource_profile = middle\n"
        "[profile middle]\nrole_arn = arn:aws:iam::1:role/middle\nsource_profile = base\n"
        "[profile base]\naws_access_key_id = BASEKEY\naws_secret_access_key = S\n");
    ScriptedNetwork network = sts_network();
    CHECK(fetch(network).access_key_id == "TARGET");
    REQUIRE(network.calls.size() == 2);
    CHECK(form_value(network.calls[0].body, "RoleArn") == "arn:aws:iam::1:role/middle");
    CHECK_THAT(header_of(network.calls[0], "Authorization"), Contains("Credential=BASEKEY/"));
    CHECK(form_value(network.calls[1].body, "RoleArn") == "arn:aws:iam::1:role/target");
    CHECK_THAT(header_of(network.calls[1], "Authorization"), Contains("Credential=MIDDLE/"));
    CHECK(header_of(network.calls[1], "x-amz-security-token") == "MIDDLE-TOKEN");
  }
  SECTION("a source profile with credential_process or web identity") {
    const auto json = home.write("p.json", R"({"Version":1,"AccessKeyId":"PROCKEY","SecretAccessKey":"S"})");
    home.config("[profile target]\nrole_arn = arn:aws:iam::1:role/target\nsource_profile = tool\n"
                "[profile tool]\ncredential_process = cat " + json + "\n");
    ScriptedNetwork network = sts_network();
    CHECK(fetch(network).access_key_id == "TARGET");
    CHECK_THAT(header_of(network.calls[0], "Authorization"), Contains("Credential=PROCKEY/"));
  }
  SECTION("credential_source = Environment, EcsContainer, Ec2InstanceMetadata") {
    home.set("AWS_ACCESS_KEY_ID", "ENVKEY");
    home.set("AWS_SECRET_ACCESS_KEY", "S");
    home.config("[profile target]\nrole_arn = arn:aws:iam::1:role/target\ncredential_source = environment\n");
    ScriptedNetwork network = sts_network();
    // --profile passes over the environment's keys as a provider, not as a credential_source.
    CHECK(fetch(network).access_key_id == "TARGET");
    CHECK_THAT(header_of(network.calls[0], "Authorization"), Contains("Credential=ENVKEY/"));

    const std::string container_json = R"({"AccessKeyId":"ECSKEY","SecretAccessKey":"S","Token":"T","Expiration":")" +
                                       iso_in(std::chrono::hours(1)) + "\"}";
    ScriptedNetwork ecs([&](const HttpCall& call) -> HttpAnswer {
      if (call.url == "http://127.0.0.1:1/c") return {200, container_json};
      return sts_answer("AssumeRole", "FROMECS");
    });
    home.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c");
    home.config("[profile target]\nrole_arn = arn:aws:iam::1:role/target\ncredential_source = EcsContainer\n");
    CHECK(fetch(ecs).access_key_id == "FROMECS");
    REQUIRE(ecs.calls.size() == 2);
    CHECK_THAT(header_of(ecs.calls[1], "Authorization"), Contains("Credential=ECSKEY/"));

    home.config("[profile target]\nrole_arn = arn:aws:iam::1:role/target\ncredential_source = Ec2InstanceMetadata\n");
    CHECK_THAT(error_of([&] { resolve_credentials(request, home.env()); }),
               Contains("credential_source = Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is true"));
    home.unset("AWS_EC2_METADATA_DISABLED");
    home.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:2");
    CHECK_THAT(resolve_credentials(request, home.env())->source(), StartsWith("AssumeRole arn:aws:iam::1:role/target"));
  }
  SECTION("the STS endpoint: the profile's services section, else the regional one") {
    home.unset("AWS_ENDPOINT_URL_STS");
    home.config("[profile target]\nrole_arn = arn:aws:iam::1:role/target\nsource_profile = base\nservices = local\n"
                "[profile base]\naws_access_key_id = B\naws_secret_access_key = S\n"
                "[services local]\nsts =\n  endpoint_url = http://127.0.0.1:7000\n");
    CHECK_THAT(resolve_credentials(request, home.env())->source(), Contains("STS http://127.0.0.1:7000"));
    home.config("[profile target]\nrole_arn = arn:aws:iam::1:role/target\nsource_profile = base\nregion = ap-south-1\n"
                "[profile base]\naws_access_key_id = B\naws_secret_access_key = S\n");
    CHECK_THAT(resolve_credentials(request, home.env())->source(), Contains("STS https://sts.ap-south-1.amazonaws.com"));
  }
  SECTION("profiles that cannot work") {
    const auto config_path = home.path(".aws/config");
    const auto error = [&](const std::string& text) {
      home.config(text + "[profile base]\naws_access_key_id = B\naws_secret_access_key = S\n");
      return error_of([&] { resolve_credentials(request, home.env()); });
    };
    CHECK_THAT(error("[profile target]\nrole_arn = r\n"),
               Equals(config_path + " [profile target]: role_arn needs source_profile or credential_source to assume it with"));
    CHECK_THAT(error("[profile target]\nrole_arn = r\nsource_profile = base\ncredential_source = Environment\n"),
               Contains("both source_profile and credential_source are set"));
    CHECK_THAT(error("[profile target]\nrole_arn = r\nsource_profile = nowhere\n"),
               StartsWith(config_path + " [profile target]: source_profile \"nowhere\" does not exist"));
    CHECK_THAT(error("[profile target]\nrole_arn = r\nsource_profile = a\n[profile a]\nrole_arn = r\nsource_profile = target\n"),
               Contains("the source_profile chain loops: target -> a -> target"));
    CHECK_THAT(error("[profile target]\nrole_arn = r\nsource_profile = target\n"), Contains("loops"));
    CHECK_THAT(error("[profile target]\nrole_arn = r\nsource_profile = empty\n[profile empty]\nregion = x\n"),
               Contains("source_profile \"empty\" has no credentials"));
    CHECK_THAT(error("[profile target]\nrole_arn = r\nsource_profile = base\nduration_seconds = an hour\n"),
               Contains("duration_seconds = an hour is not a number of seconds"));
    CHECK_THAT(error("[profile target]\nrole_arn = r\nsource_profile = base\nmfa_serial = arn:mfa\n"),
               Contains("mfa_serial is not supported"));
    CHECK_THAT(error("[profile target]\nrole_arn = r\ncredential_source = Moon\n"),
               Contains("credential_source = Moon is not one of Environment, Ec2InstanceMetadata, EcsContainer"));
  }
}

TEST_CASE("chain: web identity, from the environment or the profile", "[credentials]") {
  TempHome home;
  home.set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000");
  const auto token = home.write("token", "jwt");
  ScriptedNetwork network = sts_network();
  SECTION("environment, with a session name") {
    home.set("AWS_WEB_IDENTITY_TOKEN_FILE", token);
    home.set("AWS_ROLE_ARN", "arn:aws:iam::1:role/pod");
    home.set("AWS_ROLE_SESSION_NAME", "pod-1");
    const auto provider = resolve_credentials({}, home.env());
    CHECK(provider->fetch(network).access_key_id == "POD");
    CHECK(form_value(network.calls[0].body, "RoleSessionName") == "pod-1");
    CHECK(provider->source() ==
          "AssumeRoleWithWebIdentity arn:aws:iam::1:role/pod (AWS_WEB_IDENTITY_TOKEN_FILE, STS http://127.0.0.1:5000)");
    // --profile passes over the environment's web identity too.
    ResolveRequest request;
    request.profile = "default";
    home.credentials("[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = S\n");
    CHECK(credentials_of(request, home.env()).credentials.access_key_id == "FILEKEY");
  }
  SECTION("the profile's keys") {
    home.config("[default]\nweb_identity_token_file = " + token + "\nrole_arn = arn:aws:iam::1:role/fromprofile\n");
    CHECK(resolve_credentials({}, home.env())->fetch(network).access_key_id == "FROMPROFILE");
  }
  SECTION("a token without a role") {
    home.set("AWS_WEB_IDENTITY_TOKEN_FILE", token);
    CHECK_THAT(error_of([&] { resolve_credentials({}, home.env()); }),
               Equals("AWS_WEB_IDENTITY_TOKEN_FILE: a web identity token file without a role to assume (role_arn, AWS_ROLE_ARN)"));
  }
}

TEST_CASE("chain: anonymous looks for no credentials", "[credentials]") {
  TempHome home;
  std::filesystem::create_directory(home.path("cfg-dir"));
  home.set("AWS_SHARED_CREDENTIALS_FILE", home.path("cfg-dir"));
  ResolveRequest request;
  request.anonymous = true;
  request.region = "us-west-2";
  request.endpoint_url = "http://127.0.0.1:1";
  const ResolvedSettings settings = resolve_settings(request, home.env());
  CHECK_FALSE(settings.credentials);
  CHECK(settings.location.region == "us-west-2");
}

TEST_CASE("chain: instance metadata settings from the environment and the profile", "[credentials]") {
  TempHome home;
  home.unset("AWS_EC2_METADATA_DISABLED");
  home.config("[default]\nec2_metadata_service_endpoint_mode = IPv6\nmetadata_service_num_attempts = 3\n");
  home.set("AWS_METADATA_SERVICE_TIMEOUT", "0.25");
  ScriptedNetwork network([](const HttpCall&) -> HttpAnswer { throw NetworkError("unreachable"); });
  const auto provider = resolve_credentials({}, home.env());
  CHECK(provider->source() == "instance metadata (http://[fd00:ec2::254]/)");
  CHECK_THAT(error_of([&] { provider->fetch(network); }), StartsWith("no AWS credentials found: looked in "));
  CHECK(network.calls.size() == 6);  // three PUTs, three IMDSv1 GETs
  CHECK(network.calls[0].timeout == std::chrono::milliseconds(250));
  home.set("AWS_EC2_METADATA_DISABLED", "TRUE");
  CHECK_THAT(error_of([&] { resolve_credentials({}, home.env()); }), Contains("disabled by AWS_EC2_METADATA_DISABLED"));
  home.unset("AWS_EC2_METADATA_DISABLED");
  home.set("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "none");
  CHECK_THAT(error_of([&] { resolve_credentials({}, home.env()); }),
             Equals("AWS_METADATA_SERVICE_NUM_ATTEMPTS: \"none\" is not a number of attempts"));
}

TEST_CASE("HTTP dates: IMF-fixdate only, whatever the locale", "[timestamp]") {
  using std::chrono::sys_days;
  using namespace std::chrono_literals;
  const auto at = [](std::chrono::year_month_day d, std::chrono::seconds s) {
    return std::chrono::system_clock::time_point(sys_days(d) + s);
  };
  CHECK(raws3::auth::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") ==
        at(std::chrono::year(1994) / 11 / 6, 8h + 49min + 37s));
  CHECK(raws3::auth::parse_http_date("Thu, 03 Dec 2026 23:59:60 GMT") ==
        at(std::chrono::year(2026) / 12 / 4, 0s));  // a leap second, one past the minute
  for (const char* bad : {"", "Sun, 06 Nov 1994 08:49:37", "Sun, 6 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 08:49:37 UTC", "Sunday, 06-Nov-94 08:49:37 GMT",
                          "Sun Nov  6 08:49:37 1994", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 24:00:00 GMT"})
    CHECK_FALSE(raws3::auth::parse_http_date(bad).has_value());
}

TEST_CASE("times written as HTTP dates and as S3's listings write them, and read back") {
  using namespace std::chrono;
  const system_clock::time_point at = sys_days(year(2026) / 12 / 7) + 16h + 5min + 9s + 250ms;
  CHECK(raws3::auth::format_http_date(at) == "Mon, 07 Dec 2026 16:05:09 GMT");
  CHECK(raws3::auth::format_iso8601(at) == "2026-12-07T16:05:09.250Z");
  CHECK(raws3::auth::parse_http_date(raws3::auth::format_http_date(at)) == floor<seconds>(at));
  CHECK(raws3::auth::parse_iso8601(raws3::auth::format_iso8601(at)) == at);
  CHECK(raws3::auth::format_http_date(sys_days(year(2000) / 2 / 29)) == "Tue, 29 Feb 2000 00:00:00 GMT");
}
