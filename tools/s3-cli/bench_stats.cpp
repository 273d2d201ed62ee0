#include "bench_stats.hpp"

#include <algorithm>
#include <cmath>

namespace s3cli::bench {
namespace {

double nearest_rank(const std::vector<double>& sorted, double p) {
  const auto n = static_cast<double>(sorted.size());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

bool slower(const Second& a, const Second& b) {
  return a.bytes != b.bytes ? a.bytes < b.bytes : a.ops < b.ops;
}

}  // namespace

Percentiles percentiles(std::vector<double> samples) {
  if (samples.empty()) return {};
  std::sort(samples.begin(), samples.end());
  return {.p50 = nearest_rank(samples, 50),
          .p90 = nearest_rank(samples, 90),
          .p99 = nearest_rank(samples, 99),
          .max = samples.back()};
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

OpReport summarize(const std::vector<Sample>& samples, double warmup, double stop) {
  OpReport report;
  report.seconds = std::max(stop - warmup, 0.0);
  std::vector<double> latencies;
  std::vector<double> ttfbs;
  std::vector<Sample> measured;
  for (const Sample& s : samples) {
    if (s.start < warmup || s.start >= stop) continue;
    measured.push_back(s);
    ++report.ops;
    if (!s.ok()) {
      ++report.errors[s.status];
      continue;
    }
    report.bytes += s.bytes;
    latencies.push_back(s.end - s.start);
    if (s.ttfb) ttfbs.push_back(*s.ttfb);
  }
  if (report.seconds > 0) {
    report.mib_per_s = static_cast<double>(report.bytes) / (1024.0 * 1024.0) / report.seconds;
    report.ops_per_s = static_cast<double>(latencies.size()) / report.seconds;
  }
  report.latency = percentiles(std::move(latencies));
  if (!ttfbs.empty()) report.ttfb = percentiles(std::move(ttfbs));
  report.by_second = summarize_seconds(per_second(measured, warmup, stop));
  return report;
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
