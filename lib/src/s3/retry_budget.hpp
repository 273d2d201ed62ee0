// The retry token bucket of the AWS SDKs' standard retry mode, shared by every loop of a client.
#pragma once

#include <algorithm>
#include <atomic>

namespace raws3::s3 {

// Each retry spends tokens and each success gives some back, so that while a server fails everything
// the bucket runs dry and failures go up at once: a dead server is not hammered by every request's full
// set of attempts, yet a few failures among many successes are always retried.
class RetryBudget {
 public:
  static constexpr int kCapacity = 500;
  static constexpr int kRetryCost = 5;
  // A success that needed no retry gives this back; one that did returns what its retries spent.
  static constexpr int kSuccessRefund = 1;

  // False, spending nothing, when the bucket holds less than cost.
  bool spend(int cost) noexcept {
    int now = tokens_.load(std::memory_order_relaxed);
    do {
      if (now < cost) return false;
    } while (!tokens_.compare_exchange_weak(now, now - cost, std::memory_order_relaxed));
    return true;
  }

  void refund(int amount) noexcept {
    int now = tokens_.load(std::memory_order_relaxed);
    while (!tokens_.compare_exchange_weak(now, std::min(kCapacity, now + amount), std::memory_order_relaxed)) {
    }
  }

  int available() const noexcept { return tokens_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> tokens_{kCapacity};
};

}  // namespace raws3::s3
