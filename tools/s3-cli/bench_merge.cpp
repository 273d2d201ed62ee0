#include "bench_merge.hpp"

#include <sstream>

namespace s3cli::bench {

void merge_over_ranks(OpTally& tally, Ranks& ranks) {
  constexpr std::size_t kBuckets = LatencyHistogram::kBuckets;
  // One array for every sum, so that a merge is one reduction: ops, bytes, the two histograms' buckets,
  // then each second's bytes and operations.
  std::vector<std::uint64_t> sums{tally.ops, tally.bytes};
  sums.insert(sums.end(), tally.latency.counts().begin(), tally.latency.counts().end());
  sums.insert(sums.end(), tally.ttfb.counts().begin(), tally.ttfb.counts().end());
  for (const Second& s : tally.seconds) {
    sums.push_back(s.bytes);
    sums.push_back(s.ops);
  }
  std::vector<std::uint64_t> largest{tally.latency.max_ns(), tally.ttfb.max_ns()};
  std::ostringstream errors;
  for (const auto& [status, n] : tally.errors) errors << status << '\t' << n << '\n';

  ranks.sum_to_root(sums);
  ranks.max_to_root(largest);
  const std::vector<std::string> rank_errors = ranks.gather(errors.str());
  if (!ranks.is_root()) return;

  tally.ops = sums[0];
  tally.bytes = sums[1];
  const auto latency = sums.begin() + 2;
  const auto ttfb = latency + kBuckets;
  tally.latency = LatencyHistogram({latency, ttfb}, largest[0]);
  tally.ttfb = LatencyHistogram({ttfb, ttfb + kBuckets}, largest[1]);
  for (std::size_t i = 0; i < tally.seconds.size(); ++i) {
    tally.seconds[i] = {.bytes = *(ttfb + kBuckets + 2 * i), .ops = *(ttfb + kBuckets + 2 * i + 1)};
  }
  tally.errors.clear();
  for (const std::string& text : rank_errors) {
    std::istringstream lines(text);
    std::string status;
    std::uint64_t n = 0;
    while (std::getline(lines, status, '\t') && lines >> n) {
      tally.errors[status] += n;
      lines.ignore(1);  // the newline
    }
  }
}

}  // namespace s3cli::bench
