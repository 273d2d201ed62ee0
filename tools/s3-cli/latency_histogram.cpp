#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <utility>

namespace s3cli::bench {

std::size_t LatencyHistogram::bucket_of(std::uint64_t ns) noexcept {
  if (ns < kSubBuckets) return std::size_t(ns);
  // The octave above the linear first one, and the top 7 bits below the leading one within it.
  const unsigned octave = unsigned(std::bit_width(ns)) - 8;  // ns in [128 << octave, 256 << octave)
  if (octave >= kOctaves) return kBuckets - 1;
  return kSubBuckets * (octave + 1) + std::size_t((ns >> octave) - kSubBuckets);
}

double LatencyHistogram::middle_of(std::size_t bucket) noexcept {
  if (bucket < kSubBuckets) return double(bucket);
  const std::size_t octave = bucket / kSubBuckets - 1;
  const double lower = std::ldexp(double(kSubBuckets + bucket % kSubBuckets), int(octave));
  return lower + std::ldexp(1.0, int(octave)) / 2;
}

LatencyHistogram::LatencyHistogram(std::vector<std::uint64_t> counts, std::uint64_t max_ns)
    : counts_(std::move(counts)), max_ns_(max_ns) {
  counts_.resize(kBuckets);
  for (std::uint64_t n : counts_) count_ += n;
}

void LatencyHistogram::record_seconds(double seconds) {
  const auto ns = std::uint64_t(std::llround(std::max(seconds, 0.0) * 1e9));
  ++counts_[bucket_of(ns)];
  ++count_;
  max_ns_ = std::max(max_ns_, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ns_ = std::max(max_ns_, other.max_ns_);
}

double LatencyHistogram::percentile_seconds(double p) const {
  if (count_ == 0) return 0;
  const auto rank = std::max<std::uint64_t>(1, std::uint64_t(std::ceil(p / 100.0 * double(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    // Never past the largest value: the top bucket's middle may be.
    if (seen >= rank) return std::min(middle_of(i), double(max_ns_)) / 1e9;
  }
  return max_seconds();
}

}  // namespace s3cli::bench
