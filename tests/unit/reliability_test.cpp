// Download checksums (s3/body_checksum.hpp), the retry budget (s3/retry_budget.hpp) and the retry policy
// (s3/retry_policy.hpp).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "http/response.hpp"
#include "http/response_parser.hpp"
#include "raws3/error.hpp"
#include "s3/body_checksum.hpp"
#include "s3/retry_budget.hpp"
#include "s3/retry_policy.hpp"

using namespace raws3;

namespace {

http::ResponseHead head(int status, std::vector<http::Header> headers) {
  http::ResponseHead h;
  h.status = status;
  h.headers = std::move(headers);
  return h;
}

// The checksum of body computed in pieces of 7 bytes, as a connection would receive it.
std::string digest(s3::ChecksumKind kind, const std::string& body) {
  s3::RunningChecksum checksum(kind);
  for (std::size_t at = 0; at < body.size(); at += 7)
    checksum.update(std::as_bytes(std::span(body).subspan(at, std::min<std::size_t>(7, body.size() - at))));
  return checksum.value();
}

// "The quick brown fox jumps over the lazy dog" and its checksums, as S3 writes them (base64, big-endian).
const std::string kFox = "The quick brown fox jumps over the lazy dog";
const std::string kFoxCrc32c = "ImIEBA==";  // 0x22620404
const std::string kFoxCrc32 = "QU+jOQ==";   // 0x414FA339
const std::string kFoxSha256 = "16j7swfXgJRpypq8sAguT41WUeRtPNt2LQLQvzfJ5ZI=";
const std::string kFoxSha1 = "L9ThxnotKPzthJ7hu3bnORuT6xI=";
// CRC-64/NVME's check value: "123456789" gives 0xAE8B14860A799888.
const std::string kCheckInput = "123456789";
const std::string kCheckCrc64Nvme = "rosUhgp5mIg=";

}  // namespace

TEST_CASE("each checksum S3 sends is computed over a body as it arrives, and a flipped bit changes it") {
  CHECK(digest(s3::ChecksumKind::Crc64Nvme, kCheckInput) == kCheckCrc64Nvme);
  for (const auto& [kind, value] : {std::pair{s3::ChecksumKind::Crc32c, kFoxCrc32c}, std::pair{s3::ChecksumKind::Crc32, kFoxCrc32},
                                    std::pair{s3::ChecksumKind::Sha256, kFoxSha256}, std::pair{s3::ChecksumKind::Sha1, kFoxSha1},
                                    std::pair{s3::ChecksumKind::Crc64Nvme, digest(s3::ChecksumKind::Crc64Nvme, kFox)}}) {
    INFO(s3::checksum_name(kind));
    CHECK(digest(kind, kFox) == value);
    std::string flipped = kFox;
    flipped[10] ^= 1;
    CHECK(digest(kind, flipped) != value);
  }
}

TEST_CASE("the CRCs of ranges combine into the whole object's") {
  for (const auto& [kind, value] : {std::pair{s3::ChecksumKind::Crc32c, kFoxCrc32c}, std::pair{s3::ChecksumKind::Crc32, kFoxCrc32},
                                    std::pair{s3::ChecksumKind::Crc64Nvme, digest(s3::ChecksumKind::Crc64Nvme, kFox)}}) {
    INFO(s3::checksum_name(kind));
    REQUIRE(s3::RunningChecksum::combinable(kind));
    for (std::size_t cut : {std::size_t(0), std::size_t(1), std::size_t(20), kFox.size()}) {
      s3::RunningChecksum first(kind), second(kind);
      first.update(std::as_bytes(std::span(kFox).first(cut)));
      second.update(std::as_bytes(std::span(kFox).subspan(cut)));
      const std::uint64_t whole = s3::RunningChecksum::combine(kind, first.crc(), second.crc(), kFox.size() - cut);
      CHECK(s3::RunningChecksum::crc_value(kind, whole) == value);
    }
  }
  CHECK_FALSE(s3::RunningChecksum::combinable(s3::ChecksumKind::Sha256));
}

TEST_CASE("an answer states a checksum of its bytes, or a composite one of its object's parts") {
  std::optional<s3::StatedChecksum> stated = s3::stated_checksum(head(200, {{"x-amz-checksum-crc32c", kFoxCrc32c}}));
  REQUIRE(stated);
  CHECK(stated->kind == s3::ChecksumKind::Crc32c);
  CHECK(stated->value == kFoxCrc32c);
  CHECK(stated->parts == 0);
  stated = s3::stated_checksum(head(200, {{"x-amz-checksum-type", "COMPOSITE"}, {"x-amz-checksum-sha256", "AAAA-12"}}));
  REQUIRE(stated);
  CHECK(stated->kind == s3::ChecksumKind::Sha256);
  CHECK(stated->value == "AAAA");
  CHECK(stated->parts == 12);
  // S3's default for an object uploaded without a checksum.
  stated = s3::stated_checksum(head(200, {{"x-amz-checksum-crc64nvme", kCheckCrc64Nvme}, {"x-amz-checksum-type", "FULL_OBJECT"}}));
  REQUIRE(stated);
  CHECK(stated->kind == s3::ChecksumKind::Crc64Nvme);
  CHECK(stated->parts == 0);
  // One this client does not know is named, for the error `required` gives.
  const http::ResponseHead unknown = head(200, {{"x-amz-checksum-xxhash64", "AAAAAAAAAAA="}, {"x-amz-checksum-type", "FULL_OBJECT"}});
  CHECK_FALSE(s3::stated_checksum(unknown));
  CHECK(s3::checksums_present(unknown) == "XXHASH64");
  CHECK_FALSE(s3::stated_checksum(head(200, {{"x-amz-checksum-crc32", "AAAAAA==-x"}})));
  CHECK_FALSE(s3::stated_checksum(head(200, {})));
}

TEST_CASE("the retry budget runs dry under failures and refills with successes") {
  s3::RetryBudget budget;
  int retries = 0;
  while (budget.spend(s3::RetryBudget::kRetryCost)) ++retries;
  CHECK(retries == s3::RetryBudget::kCapacity / s3::RetryBudget::kRetryCost);
  CHECK_FALSE(budget.spend(1));
  for (int i = 0; i < s3::RetryBudget::kRetryCost; ++i) budget.refund(s3::RetryBudget::kSuccessRefund);
  CHECK(budget.spend(s3::RetryBudget::kRetryCost));
  budget.refund(10 * s3::RetryBudget::kCapacity);
  CHECK(budget.available() == s3::RetryBudget::kCapacity);
}

namespace {

// An endpoint whose log lines land in `lines`, at `level`.
struct LoggedEndpoint {
  s3::Endpoint endpoint;
  std::vector<std::string> lines;
  explicit LoggedEndpoint(unsigned max_attempts, LogLevel level = LogLevel::Debug) {
    endpoint.max_attempts = max_attempts;
    endpoint.log = s3::Logger(level, [this](LogLevel, std::string_view line) { lines.emplace_back(line); });
  }
};

const NetworkError kTimeout("receive from 127.0.0.1:9: no progress for 1000 ms (timeout)");
const S3Error kSlowDown(503, "SlowDown", "Please reduce your request rate.", "REQ1");

}  // namespace

TEST_CASE("transient failures are the ones another attempt may cure") {
  CHECK(s3::is_transient(S3Error(500, "InternalError", "")));
  CHECK(s3::is_transient(S3Error(502, "BadGateway", "")));
  CHECK(s3::is_transient(kSlowDown));
  CHECK(s3::is_transient(S3Error(504, "GatewayTimeout", "")));
  CHECK(s3::is_transient(S3Error(400, "RequestTimeout", "")));
  CHECK(s3::is_transient(S3Error(403, "RequestTimeTooSkewed", "")));
  CHECK(s3::is_transient(S3Error(200, "InternalError", "")));
  CHECK_FALSE(s3::is_transient(S3Error(403, "AccessDenied", "")));
  CHECK_FALSE(s3::is_transient(S3Error(404, "NoSuchKey", "")));
  CHECK_FALSE(s3::is_transient(S3Error(412, "PreconditionFailed", "")));
  CHECK(s3::is_transient(static_cast<const std::exception&>(kTimeout)));
  CHECK(s3::is_transient(static_cast<const std::exception&>(kSlowDown)));
  CHECK(s3::is_transient(http::MalformedResponse("malformed HTTP response")));  // a proxy's, a dying connection's
  CHECK_FALSE(s3::is_transient(io::CertificateError("certificate verify failed")));
  CHECK_FALSE(s3::is_transient(IntegrityError("checksum")));
  CHECK_FALSE(s3::is_transient(Cancelled("cancelled")));
  CHECK_FALSE(s3::is_transient(FileError("disk full")));
}

TEST_CASE("a request gets max_attempts attempts, each retry said at Warn and paid from the budget") {
  LoggedEndpoint e(3, LogLevel::Warn);
  s3::RetryPolicy retry(e.endpoint);
  auto describe = [] { return std::string("GET s3://b/k"); };
  CHECK(retry.attempt() == 1);
  REQUIRE(retry.retry(kTimeout, describe));
  CHECK(retry.attempt() == 2);
  CHECK(retry.pause() <= std::chrono::milliseconds(200));
  REQUIRE(retry.retry(kSlowDown, describe));
  CHECK(retry.attempt() == 3);
  CHECK(retry.pause() <= std::chrono::milliseconds(400));
  CHECK_FALSE(retry.retry(kTimeout, describe));
  CHECK(retry.attempt() == 3);
  CHECK(e.endpoint.retry_budget.available() == s3::RetryBudget::kCapacity - 2 * s3::RetryBudget::kRetryCost);

  REQUIRE(e.lines.size() == 2);
  CHECK_THAT(e.lines[0], Catch::Matches("GET s3://b/k: receive from 127\\.0\\.0\\.1:9: no progress for 1000 ms "
                                        "\\(timeout\\); retrying in [0-9]+ ms \\(attempt 2 of 3\\)"));
  CHECK_THAT(e.lines[1], Catch::Matches("GET s3://b/k: SlowDown \\(HTTP 503\\): Please reduce your request rate\\. "
                                        "\\[request id REQ1\\]; retrying in [0-9]+ ms \\(attempt 3 of 3\\)"));

  // The final error keeps its type and its text, and names the attempts and their time.
  const NetworkError final_error = retry.exhausted(kTimeout);
  CHECK_THAT(final_error.what(), Catch::Matches("receive from 127\\.0\\.0\\.1:9: no progress for 1000 ms \\(timeout\\) "
                                                "\\(3 attempts over [0-9]+ ms\\)"));
  const S3Error refusal = retry.exhausted(kSlowDown);
  CHECK(refusal.code() == "SlowDown");
  CHECK(refusal.http_status() == 503);
  CHECK(refusal.request_id() == "REQ1");
  CHECK_THAT(refusal.message(), Catch::Matches("Please reduce your request rate\\. \\(3 attempts over [0-9]+ ms\\)"));

  retry.succeeded();
  CHECK(e.endpoint.retry_budget.available() == s3::RetryBudget::kCapacity);
}

TEST_CASE("a permanent failure is not retried, costs nothing and is thrown as it came") {
  LoggedEndpoint e(5);
  s3::RetryPolicy retry(e.endpoint);
  const S3Error denied(403, "AccessDenied", "Access Denied");
  CHECK_FALSE(retry.retry(denied, [] { return std::string("GET s3://b/k"); }));
  CHECK_FALSE(retry.retry(io::CertificateError("certificate verify failed"), [] { return std::string(); }));
  CHECK(e.endpoint.retry_budget.available() == s3::RetryBudget::kCapacity);
  CHECK(e.lines.empty());
  CHECK(std::string(retry.exhausted(denied).what()) == denied.what());
  CHECK(std::string(retry.exhausted(kTimeout).what()) == kTimeout.what());
}

TEST_CASE("an empty retry budget stops retries, and the final error says so") {
  LoggedEndpoint e(5);
  while (e.endpoint.retry_budget.spend(1)) {
  }
  s3::RetryPolicy retry(e.endpoint);
  CHECK_FALSE(retry.retry(kTimeout, [] { return std::string("GET s3://b/k"); }));
  CHECK(retry.attempt() == 1);
  CHECK(e.lines.empty());
  CHECK_THAT(retry.exhausted(kTimeout).what(), Catch::EndsWith("(timeout) (no retry: recent failures spent the "
                                                               "client's retry budget)"));
  // A success that needed no retry gives back a token.
  retry.succeeded();
  CHECK(e.endpoint.retry_budget.available() == s3::RetryBudget::kSuccessRefund);
}

TEST_CASE("a stale connection is tried again at once, for free, while attempts last") {
  LoggedEndpoint e(2);
  s3::RetryPolicy retry(e.endpoint);
  CHECK(retry.again());
  CHECK(retry.attempt() == 2);
  CHECK_FALSE(retry.again());
  CHECK(e.endpoint.retry_budget.available() == s3::RetryBudget::kCapacity);
  CHECK(e.lines.empty());
}

TEST_CASE("with the log off, a retry builds no description and calls no handler") {
  LoggedEndpoint e(3, LogLevel::Off);
  s3::RetryPolicy retry(e.endpoint);
  int described = 0;
  CHECK(retry.retry(kTimeout, [&] {
    ++described;
    return std::string("GET s3://b/k");
  }));
  CHECK(described == 0);
  CHECK(e.lines.empty());
}

TEST_CASE("backoff: full jitter under a doubling ceiling, capped at 20 s") {
  for (int i = 0; i < 200; ++i) {
    CHECK(s3::backoff(1) <= std::chrono::milliseconds(200));
    CHECK(s3::backoff(3) <= std::chrono::milliseconds(800));
    CHECK(s3::backoff(30) <= std::chrono::milliseconds(20'000));
  }
}
