#include "s3/retry_policy.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

namespace raws3::s3 {

namespace {

constexpr std::chrono::milliseconds kBackoffBase{100};
constexpr std::chrono::milliseconds kBackoffCap{20'000};

// "450 ms", "3.2 s".
std::string duration_text(std::chrono::steady_clock::duration d) {
  const double ms = std::chrono::duration<double, std::milli>(d).count();
  char text[32];
  if (ms < 1000)
    std::snprintf(text, sizeof text, "%.0f ms", ms);
  else
    std::snprintf(text, sizeof text, "%.1f s", ms / 1000);
  return text;
}

}  // namespace

bool is_transient(const S3Error& refusal) {
  // S3's, then Azure Blob's (which come with 503 and 500 too).
  static const char* const codes[] = {"SlowDown", "InternalError", "RequestTimeout", "ServiceUnavailable",
                                      "RequestTimeTooSkewed", "ServerBusy", "OperationTimedOut"};
  const int status = refusal.http_status();
  if (status == 500 || status == 502 || status == 503 || status == 504) return true;
  return std::any_of(std::begin(codes), std::end(codes), [&](const char* c) { return refusal.code() == c; });
}

bool is_transient(const std::exception& failure) {
  if (const auto* refusal = dynamic_cast<const S3Error*>(&failure)) return is_transient(*refusal);
  return dynamic_cast<const NetworkError*>(&failure) && !dynamic_cast<const io::CertificateError*>(&failure) &&
         !dynamic_cast<const io::UnknownHost*>(&failure);
}

std::chrono::milliseconds backoff(unsigned attempt) {
  thread_local std::minstd_rand random{std::random_device{}()};
  auto ceiling = std::min<std::int64_t>(kBackoffCap.count(), kBackoffBase.count() << std::min(attempt, 16u));
  return std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(0, ceiling)(random));
}

RetryPolicy::RetryPolicy(const Endpoint& endpoint) noexcept
    : budget_(endpoint.retry_budget), logger_(endpoint.log), max_attempts_(std::max(1u, endpoint.max_attempts)) {}

bool RetryPolicy::decide(const std::exception& failure) {
  if (attempt_ >= max_attempts_ || !is_transient(failure)) return false;
  if (!budget_.spend(RetryBudget::kRetryCost)) {
    budget_refused_ = true;
    return false;
  }
  spent_ += RetryBudget::kRetryCost;
  pause_ = backoff(attempt_);
  ++attempt_;
  return true;
}

bool RetryPolicy::again() noexcept {
  if (attempt_ >= max_attempts_) return false;
  ++attempt_;
  return true;
}

void RetryPolicy::succeeded() noexcept { budget_.refund(spent_ > 0 ? spent_ : RetryBudget::kSuccessRefund); }

void RetryPolicy::notice(std::string_view what, const std::exception& failure) const {
  std::string line(what);
  line += ": ";
  line += failure.what();
  line += "; retrying in " + duration_text(pause_) + " (attempt " + std::to_string(attempt_) + " of " +
          std::to_string(max_attempts_) + ")";
  logger_.write(LogLevel::Warn, line);
}

std::string RetryPolicy::summary() const {
  std::string out;
  if (attempt_ > 1)
    out = std::to_string(attempt_) + " attempts over " + duration_text(std::chrono::steady_clock::now() - start_);
  if (budget_refused_) {
    if (!out.empty()) out += "; ";
    out += "no retry: recent failures spent the client's retry budget";
  }
  return out.empty() ? out : " (" + out + ")";
}

S3Error RetryPolicy::exhausted(const S3Error& failure) const {
  std::string message = failure.message() + summary();
  if (failure.message().empty() && !message.empty()) message.erase(0, 1);
  return S3Error(failure.http_status(), failure.code(), std::move(message), failure.request_id(), failure.region());
}

NetworkError RetryPolicy::exhausted(const NetworkError& failure) const {
  return NetworkError(failure.what() + summary());
}

}  // namespace raws3::s3
