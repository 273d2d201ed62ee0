// SigV4 signing cost: signatures per second for a typical S3 ranged GET, with and without the signing-key
// cache, and for a presigned URL. Prints the median of several runs; compare the lines with each other, not
// across machines.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <string>

#include "auth/sigv4.hpp"

namespace {

using raws3::auth::SignableRequest;
using raws3::auth::Signer;
using raws3::auth::SigningParams;
using Clock = std::chrono::steady_clock;

constexpr int kRuns = 7;
constexpr auto kRunTime = std::chrono::milliseconds(300);

const raws3::Credentials kCreds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", {}, {}};

SignableRequest ranged_get() {
  SignableRequest req;
  req.method = "GET";
  req.path = "/datasets/2024/06/part-00017-of-00128.parquet";
  req.headers = {{"Host", "examplebucket.s3.us-east-1.amazonaws.com"},
                 {"Range", "bytes=8388608-16777215"},
                 {"If-Match", "\"9b2cf535f27731c974343645a3985328\""},
                 {"User-Agent", "raws3/0.1"}};
  return req;
}

// Signatures per second over one run; `sign` signs once and returns a byte of the signature, summed so
// the work cannot be optimised away.
template <class Sign>
double rate(Sign&& sign, unsigned& sink) {
  long count = 0;
  const auto start = Clock::now();
  auto now = start;
  while (now - start < kRunTime) {
    for (int i = 0; i < 256; ++i) sink += sign(count++);
    now = Clock::now();
  }
  return static_cast<double>(count) / std::chrono::duration<double>(now - start).count();
}

template <class Sign>
void report(const char* what, Sign&& sign) {
  unsigned sink = 0;
  std::array<double, kRuns> rates{};
  for (double& r : rates) r = rate(sign, sink);
  std::sort(rates.begin(), rates.end());
  std::printf("%-40s %12.0f signatures/s  (min %.0f, max %.0f; %u)\n", what, rates[kRuns / 2], rates.front(),
              rates.back(), sink & 1);
}

}  // namespace

int main() {
  SigningParams params;
  params.region = "us-east-1";
  const auto day = std::chrono::sys_days{std::chrono::year{2024} / 6 / 1};

  // The clock moves a second per request, as it does for a real client: the date string changes, the day not.
  for (const bool cache : {true, false}) {
    Signer signer;
    signer.set_key_cache(cache);
    SignableRequest req = ranged_get();
    report(cache ? "sign, ranged GET, key cache on" : "sign, ranged GET, key cache off", [&](long i) {
      signer.sign(req, kCreds, params, day + std::chrono::seconds(i % 86400));
      return static_cast<unsigned>(signer.signature()[0]);
    });
  }
  {
    Signer signer;
    report("sign, ranged GET, fresh request each", [&](long i) {
      SignableRequest req = ranged_get();
      signer.sign(req, kCreds, params, day + std::chrono::seconds(i % 86400));
      return static_cast<unsigned>(signer.signature()[0]);
    });
  }
  {
    Signer signer;
    report("presign, GET, key cache on", [&](long i) {
      SignableRequest req = ranged_get();
      signer.presign(req, kCreds, params, day + std::chrono::seconds(i % 86400), std::chrono::seconds(3600));
      return static_cast<unsigned>(signer.signature()[0]);
    });
  }
  return 0;
}
