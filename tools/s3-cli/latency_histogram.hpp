// Latencies kept as counts in log-linear buckets (HDR histogram style), so that runs on many hosts merge
// exactly: every histogram has the same buckets, and merging adds counts. A percentile read from the
// merged counts is the percentile of all the operations, within the buckets' error; averaging each run's
// percentiles is not (issue #17).
//
// Values are nanoseconds. Below 128 ns every value has its own bucket; above, each power of two is cut into
// 128 buckets, so a bucket is at most 1/128 of its lower bound wide, and the value read back (the bucket's
// middle) is within 0.4% of every value it holds. Values past about 73 minutes share the last bucket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace s3cli::bench {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBuckets = 128;  // per power of two: the relative resolution
  static constexpr unsigned kOctaves = 36;      // 128 ns .. 2^42 ns
  static constexpr std::size_t kBuckets = kSubBuckets * (kOctaves + 1);
  // The most a value read back differs from the values its bucket holds, relative to them.
  static constexpr double kRelativeError = 1.0 / (2 * kSubBuckets);

  LatencyHistogram() : counts_(kBuckets, 0) {}
  // A histogram from its state as another process kept it (kBuckets counts, the largest value in ns).
  LatencyHistogram(std::vector<std::uint64_t> counts, std::uint64_t max_ns);

  void record_seconds(double seconds);
  // Adds another histogram's counts (another run's, another rank's).
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const noexcept { return count_; }
  // The exact largest value recorded, in seconds; 0 when none.
  double max_seconds() const noexcept { return double(max_ns_) / 1e9; }
  // Nearest rank: the value of the smallest bucket below and in which at least p% of the values lie, in
  // seconds; 0 when empty.
  double percentile_seconds(double p) const;

  // The state, for a merge across processes: counts add bucket by bucket, max_ns takes the largest.
  const std::vector<std::uint64_t>& counts() const noexcept { return counts_; }
  std::uint64_t max_ns() const noexcept { return max_ns_; }

 private:
  static std::size_t bucket_of(std::uint64_t ns) noexcept;
  static double middle_of(std::size_t bucket) noexcept;  // in nanoseconds

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t max_ns_ = 0;
};

}  // namespace s3cli::bench
