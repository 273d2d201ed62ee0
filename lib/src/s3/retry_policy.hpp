// The one retry policy of a client: which failures are worth another attempt, how many attempts a request
// gets, what each retry costs from the retry budget, how long it waits first, and what it says. Every
// request uses it (executor.cpp), and so does every part of a whole-object GET (range_get.cpp), whose
// attempts span the requests that resume a broken body from the byte it reached.
#pragma once

#include <chrono>
#include <exception>
#include <string>
#include <string_view>

#include "io/socket.hpp"
#include "io/tls.hpp"
#include "raws3/error.hpp"
#include "s3/endpoint.hpp"

namespace raws3::s3 {

// Refusals that may not recur: 500/502/503/504, SlowDown, InternalError, RequestTimeout,
// ServiceUnavailable, RequestTimeTooSkewed (the next attempt is signed by the server's clock), and Azure
// Blob's ServerBusy and OperationTimedOut.
bool is_transient(const S3Error& refusal);
// A transient refusal, or a transport failure (a reset, an early close, a timeout, an answer that is not
// HTTP) other than a certificate that did not verify (io::CertificateError) or a name DNS says does not
// exist (io::UnknownHost): those would be the same again.
bool is_transient(const std::exception& failure);

// Full jitter: a uniform wait in [0, min(cap, base * 2^attempt)) before attempt + 1.
std::chrono::milliseconds backoff(unsigned attempt);

// The attempts of one request, or of one part of a GET: at most Endpoint::max_attempts, each retry paid
// for from the client's retry budget and preceded by a backoff. Whoever gives up throws exhausted(failure).
class RetryPolicy {
 public:
  explicit RetryPolicy(const Endpoint& endpoint) noexcept;
  RetryPolicy(const RetryPolicy&) = delete;
  RetryPolicy& operator=(const RetryPolicy&) = delete;

  // The attempt under way, from 1.
  unsigned attempt() const noexcept { return attempt_; }
  unsigned max_attempts() const noexcept { return max_attempts_; }

  // After the attempt failed, for a request that may run again (idempotent, and nothing of its answer
  // consumed): true when another attempt follows, because the failure is transient, attempts are left and
  // the budget pays for it. Then it has said so at Warn, naming the request as describe() does and the
  // failure, and the caller awaits pause() before the next attempt.
  template <class Describe>
  bool retry(const std::exception& failure, Describe&& describe) {
    if (!decide(failure)) return false;
    if (logger_.enabled(LogLevel::Warn)) notice(describe(), failure);
    return true;
  }

  // Another attempt at once and for free, while attempts are left: for a failure that says nothing of the
  // server (a kept-alive connection it had closed before our request reached it).
  bool again() noexcept;

  // The backoff retry() chose.
  std::chrono::milliseconds pause() const noexcept { return pause_; }

  // After the request succeeded: the budget gets back what its retries spent, or a token when none.
  void succeeded() noexcept;

  // failure as thrown once no attempt follows: the same type and text, and when other attempts came
  // before it, how many there were and how long they took ("(3 attempts over 3.2 s)"); when the budget
  // refused a retry, that too.
  S3Error exhausted(const S3Error& failure) const;
  NetworkError exhausted(const NetworkError& failure) const;

 private:
  bool decide(const std::exception& failure);
  void notice(std::string_view what, const std::exception& failure) const;
  // " (3 attempts over 3.2 s)", or empty after a first attempt that was all there was to say.
  std::string summary() const;

  RetryBudget& budget_;
  const Logger& logger_;
  const unsigned max_attempts_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  unsigned attempt_ = 1;
  int spent_ = 0;
  bool budget_refused_ = false;
  std::chrono::milliseconds pause_{0};
};

}  // namespace raws3::s3
