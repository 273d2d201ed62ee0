// Download checksums (s3/checksum_sink.hpp), the retry budget (s3/retry_budget.hpp) and the retry policy
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
#include "s3/checksum_sink.hpp"
#include "s3/retry_budget.hpp"
#include "s3/retry_policy.hpp"

using namespace raws3;

namespace {

// Runs a task whose awaits all complete at once (the sinks here never suspend) and rethrows its failure.
void run(io::Task<void> task) {
  std::exception_ptr failure;
  io::spawn(std::move(task), [&](std::exception_ptr e) { failure = e; });
  if (failure) std::rethrow_exception(failure);
}

http::ResponseHead head(int status, std::vector<http::Header> headers) {
  http::ResponseHead h;
  h.status = status;
  h.headers = std::move(headers);
  return h;
}

// Sends body through a ChecksumSink in pieces of 7 bytes, as a connection would; returns what arrived.
std::string receive(const http::ResponseHead& h, const std::string& body) {
  http::StringSink inner(1 << 20);
  s3::ChecksumSink sink(inner);
  REQUIRE(sink.begin(h));
  sink.expect(body.size());
  for (std::size_t at = 0; at < body.size(); at += 7) {
    const std::size_t n = std::min<std::size_t>(7, body.size() - at);
    std::span<std::byte> dest = sink.buffer();
    std::memcpy(dest.data(), body.data() + at, n);
    run(sink.commit(n));
  }
  run(sink.finish());
  return inner.take();
}

// "The quick brown fox jumps over the lazy dog" and its checksums, as S3 writes them (base64, big-endian).
const std::string kFox = "The quick brown fox jumps over the lazy dog";
const std::string kFoxCrc32c = "ImIEBA==";  // 0x22620404
const std::string kFoxCrc32 = "QU+jOQ==";   // 0x414FA339
const std::string kFoxSha256 = "16j7swfXgJRpypq8sAguT41WUeRtPNt2LQLQvzfJ5ZI=";

}  // namespace

TEST_CASE("a whole-object body is checked against each checksum S3 sends") {
  for (const auto& [header, value] : {std::pair{"x-amz-checksum-crc32c", kFoxCrc32c},
                                      std::pair{"x-amz-checksum-crc32", kFoxCrc32},
                                      std::pair{"x-amz-checksum-sha256", kFoxSha256}}) {
    INFO(header);
    CHECK(receive(head(200, {{header, value}}), kFox) == kFox);
    std::string flipped = kFox;
    flipped[10] ^= 1;
    CHECK_THROWS_AS(receive(head(200, {{header, value}}), flipped), IntegrityError);
  }
}

TEST_CASE("a range that covers the whole object is checked; any other range is not") {
  const std::string whole = "bytes 0-" + std::to_string(kFox.size() - 1) + "/" + std::to_string(kFox.size());
  std::string flipped = kFox;
  flipped[0] ^= 1;
  CHECK_THROWS_AS(receive(head(206, {{"content-range", whole}, {"x-amz-checksum-crc32c", kFoxCrc32c}}), flipped),
                  IntegrityError);
  const std::string tail = "bytes 1-" + std::to_string(kFox.size()) + "/" + std::to_string(kFox.size() + 1);
  CHECK(receive(head(206, {{"content-range", tail}, {"x-amz-checksum-crc32c", kFoxCrc32c}}), flipped) == flipped);
}

TEST_CASE("composite checksums and answers without one are passed through unchecked") {
  std::string flipped = kFox;
  flipped[3] ^= 1;
  CHECK(receive(head(200, {{"x-amz-checksum-crc32c", "AAAAAA==-3"}}), flipped) == flipped);
  CHECK(receive(head(200, {}), flipped) == flipped);
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
