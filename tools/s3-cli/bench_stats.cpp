#include "bench_stats.hpp"

#include <algorithm>
#include <cmath>

namespace s3cli::bench {
namespace {

bool slower(const Second& a, const Second& b) {
  return a.bytes != b.bytes ? a.bytes < b.bytes : a.ops < b.ops;
}

}  // namespace

Percentiles percentiles(const LatencyHistogram& latencies) {
  return {.p50 = latencies.percentile_seconds(50),
          .p90 = latencies.percentile_seconds(90),
          .p99 = latencies.percentile_seconds(99),
          .max = latencies.max_seconds()};
}

std::vector<Second> per_second(const std::vector<Sample>& samples, double from, double to) {
  const double first = std::ceil(from);
  const double last = std::floor(to);
  if (last <= first) return {};
  std::vector<Second> seconds(static_cast<std::size_t>(last - first));
  for (const Sample& s : samples) {
    if (!s.ok() || s.end < first || s.end >= last) continue;
    Second& second = seconds[static_cast<std::size_t>(s.end - first)];
    second.bytes += s.bytes;
    ++second.ops;
  }
  return seconds;
}

std::optional<SecondSummary> summarize_seconds(std::vector<Second> seconds) {
  if (seconds.empty()) return std::nullopt;
  std::sort(seconds.begin(), seconds.end(), slower);
  return SecondSummary{.fastest = seconds.back(), .median = seconds[seconds.size() / 2], .slowest = seconds.front()};
}

OpTally tally(const std::vector<Sample>& samples, double warmup, double stop, double seconds_to) {
  OpTally t;
  std::vector<Sample> measured;
  for (const Sample& s : samples) {
    if (s.start < warmup || s.start >= stop) continue;
    measured.push_back(s);
    ++t.ops;
    if (!s.ok()) {
      ++t.errors[s.status];
      continue;
    }
    t.bytes += s.bytes;
    t.latency.record_seconds(s.end - s.start);
    if (s.ttfb) t.ttfb.record_seconds(*s.ttfb);
  }
  t.seconds = per_second(measured, warmup, seconds_to);
  return t;
}

OpReport report_of(const OpTally& tally, double seconds) {
  OpReport report;
  report.ops = tally.ops;
  report.bytes = tally.bytes;
  report.errors = tally.errors;
  report.seconds = std::max(seconds, 0.0);
  if (report.seconds > 0) {
    report.mib_per_s = static_cast<double>(report.bytes) / (1024.0 * 1024.0) / report.seconds;
    report.ops_per_s = static_cast<double>(tally.latency.count()) / report.seconds;
  }
  report.latency = percentiles(tally.latency);
  if (tally.ttfb.count() != 0) report.ttfb = percentiles(tally.ttfb);
  report.by_second = summarize_seconds(tally.seconds);
  return report;
}

OpReport summarize(const std::vector<Sample>& samples, double warmup, double stop) {
  return report_of(tally(samples, warmup, stop, stop), stop - warmup);
}

bool SteadyDetector::add(double per_second) {
  recent_.push_back(per_second);
  if (recent_.size() > window_) recent_.pop_front();
  if (recent_.size() < window_ || window_ == 0) return false;
  const auto [lo, hi] = std::minmax_element(recent_.begin(), recent_.end());
  double sum = 0;
  for (double v : recent_) sum += v;
  const double mean = sum / static_cast<double>(recent_.size());
  return mean > 0 && (*hi - *lo) / mean * 100.0 <= percent_;
}

}  // namespace s3cli::bench
