// Download checksums (s3/checksum_sink.hpp) and the retry budget (s3/retry_budget.hpp).
#include <catch2/catch.hpp>

#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "http/response.hpp"
#include "raws3/error.hpp"
#include "s3/checksum_sink.hpp"
#include "s3/retry_budget.hpp"

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
