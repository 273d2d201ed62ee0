// The statistics of s3-cli bench on samples whose answers are known by hand.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "bench_stats.hpp"
#include "ranks.hpp"

using namespace s3cli::bench;

namespace {

Sample ok_sample(double start, double end, std::uint64_t bytes = 0) {
  return {.start = start, .end = end, .bytes = bytes, .ttfb = std::nullopt, .status = "OK"};
}

LatencyHistogram histogram_of(const std::vector<double>& seconds) {
  LatencyHistogram h;
  for (double s : seconds) h.record_seconds(s);
  return h;
}

// The exact nearest-rank percentile of samples.
double nearest_rank(std::vector<double> samples, double p) {
  std::sort(samples.begin(), samples.end());
  const auto rank = std::max<std::size_t>(1, std::size_t(std::ceil(p / 100.0 * double(samples.size()))));
  return samples[rank - 1];
}

}  // namespace

TEST_CASE("nearest-rank percentiles of 1..100 ms are the samples at those ranks, within the buckets' error") {
  std::vector<double> seconds;
  for (int i = 100; i >= 1; --i) seconds.push_back(i / 1000.0);  // unsorted on purpose
  const Percentiles p = percentiles(histogram_of(seconds));
  const auto near = [](double ms) { return Approx(ms / 1000.0).epsilon(LatencyHistogram::kRelativeError); };
  CHECK(p.p50 == near(50));
  CHECK(p.p90 == near(90));
  CHECK(p.p99 == near(99));
  CHECK(p.max == 0.1);  // exact
}

TEST_CASE("percentiles of few samples round the rank up") {
  const Percentiles p = percentiles(histogram_of({7e-3, 3e-3, 5e-3}));
  CHECK(p.p50 == Approx(5e-3).epsilon(LatencyHistogram::kRelativeError));  // rank ceil(1.5) = 2
  CHECK(p.p90 == Approx(7e-3).epsilon(LatencyHistogram::kRelativeError));
  CHECK(p.max == 7e-3);
  CHECK(percentiles(LatencyHistogram{}).max == 0);
  CHECK(percentiles(histogram_of({4e-6})).p50 == Approx(4e-6).epsilon(LatencyHistogram::kRelativeError));
}

TEST_CASE("a percentile read from the buckets is within 0.4% of the exact one, from 100 ns to an hour") {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> latency(std::log(2e-3), 2.5);  // a long tail on both sides
  std::vector<double> samples;
  for (int i = 0; i < 200'000; ++i) samples.push_back(std::clamp(latency(random), 1e-7, 3600.0));
  const LatencyHistogram h = histogram_of(samples);
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
    INFO("p" << p);
    const double exact = nearest_rank(samples, p);
    CHECK(std::abs(h.percentile_seconds(p) - exact) <= exact * LatencyHistogram::kRelativeError + 1e-9);
  }
  CHECK(h.max_seconds() == Approx(*std::max_element(samples.begin(), samples.end())).epsilon(1e-9));
}

TEST_CASE("merged histograms are the histogram of every sample: percentiles of the whole, not averages") {
  // Two runs that saw different latencies (one fast, one slow, as uneven load gives): the merged p50 is
  // the p50 of all the operations; the average of the two p50s is far from it.
  std::vector<double> fast, slow;
  for (int i = 0; i < 9'000; ++i) fast.push_back(0.4e-3 + i * 1e-8);
  for (int i = 0; i < 1'000; ++i) slow.push_back(5e-3 + i * 1e-6);
  LatencyHistogram merged = histogram_of(fast);
  merged.merge(histogram_of(slow));
  std::vector<double> all = fast;
  all.insert(all.end(), slow.begin(), slow.end());
  const LatencyHistogram whole = histogram_of(all);
  CHECK(merged.count() == whole.count());
  for (double p : {50.0, 90.0, 99.0}) CHECK(merged.percentile_seconds(p) == whole.percentile_seconds(p));
  CHECK(merged.max_seconds() == whole.max_seconds());
  CHECK(merged.percentile_seconds(50) == Approx(nearest_rank(all, 50)).epsilon(LatencyHistogram::kRelativeError));
  const double averaged = (nearest_rank(fast, 50) + nearest_rank(slow, 50)) / 2;
  CHECK(averaged > 3 * merged.percentile_seconds(50));
}

TEST_CASE("a histogram rebuilt from its counts and max, as another rank sends them, is the same histogram") {
  std::vector<double> seconds;
  for (int i = 1; i <= 1'000; ++i) seconds.push_back(i * 37e-6);
  const LatencyHistogram h = histogram_of(seconds);
  const LatencyHistogram rebuilt(h.counts(), h.max_ns());
  CHECK(rebuilt.count() == h.count());
  for (double p : {1.0, 50.0, 99.9}) CHECK(rebuilt.percentile_seconds(p) == h.percentile_seconds(p));
  CHECK(rebuilt.max_seconds() == h.max_seconds());
}

TEST_CASE("a tally counts its seconds up to the first rank's stop, its window is the last rank's") {
  std::vector<Sample> samples;
  for (int i = 0; i < 40; ++i) samples.push_back(ok_sample(0.1 * i, 0.1 * i + 0.05, 100));
  // Counted to 3 s (another rank stopped first) though this rank ran to 4 s: seconds 1 and 2 only.
  const OpTally t = tally(samples, 1.0, 4.0, 3.0);
  CHECK(t.ops == 30);
  CHECK(t.bytes == 3000);
  REQUIRE(t.seconds.size() == 2);
  CHECK(t.seconds[0].ops == 10);
  // The job's window (to the last rank's stop at 5 s) divides the bytes.
  const OpReport r = report_of(t, 4.0);
  CHECK(r.ops_per_s == Approx(30.0 / 4.0));
}

TEST_CASE("ranks share a total evenly, the first ones one more") {
  CHECK(s3cli::share_of_rank(10, 0, 3) == 4);
  CHECK(s3cli::share_of_rank(10, 1, 3) == 3);
  CHECK(s3cli::share_of_rank(10, 2, 3) == 3);
  CHECK(s3cli::share_of_rank(7, 0, 1) == 7);
}

TEST_CASE("endpoints are spread over the ranks as warp spreads --host") {
  using s3cli::endpoints_of_rank;
  using V = std::vector<std::string>;
  CHECK(endpoints_of_rank("http://a", 1, 3) == V{"http://a"});
  // More endpoints than ranks: every size-th from the rank's own.
  CHECK(endpoints_of_rank("a,b,c,d,e", 0, 2) == V{"a", "c", "e"});
  CHECK(endpoints_of_rank("a,b,c,d,e", 1, 2) == V{"b", "d"});
  // Fewer: the ranks go round them.
  CHECK(endpoints_of_rank("a,b", 2, 3) == V{"a"});
  CHECK(endpoints_of_rank("a,,b,", 1, 2) == V{"b"});
  CHECK(endpoints_of_rank("", 0, 2).empty());
}

TEST_CASE("per-second buckets count successes by their end, whole seconds after the warm-up only") {
  std::vector<Sample> samples{
      ok_sample(0.1, 0.9, 100),  // warm-up
      ok_sample(1.0, 1.2, 10),  ok_sample(1.1, 1.99, 20),
      ok_sample(1.5, 2.5, 30),  // ends in the second second
      {.start = 2.0, .end = 2.1, .bytes = 0, .ttfb = std::nullopt, .status = "SlowDown"},
      ok_sample(3.0, 3.4, 40),  // the partial last second, left out
  };
  const std::vector<Second> s = per_second(samples, 0.5, 3.5);
  REQUIRE(s.size() == 2);
  CHECK(s[0].bytes == 30);
  CHECK(s[0].ops == 2);
  CHECK(s[1].bytes == 30);
  CHECK(s[1].ops == 1);

  const auto summary = summarize_seconds({{5, 1}, {1, 9}, {5, 3}, {9, 0}});
  REQUIRE(summary);
  CHECK(summary->fastest.bytes == 9);
  CHECK(summary->slowest.bytes == 1);
  CHECK(summary->median.ops == 3);  // ties on bytes are ranked by operations
  CHECK_FALSE(summarize_seconds({}));
}

TEST_CASE("summarize keeps the warm-up out and reports errors by code") {
  std::vector<Sample> samples;
  samples.push_back(ok_sample(0.5, 0.6, 1 << 20));  // warm-up
  for (int i = 0; i < 10; ++i) {
    Sample s = ok_sample(1.0 + i * 0.2, 1.0 + i * 0.2 + 0.01 * (i + 1), 1 << 20);
    s.ttfb = 0.001 * (i + 1);
    samples.push_back(s);
  }
  samples.push_back({.start = 2.0, .end = 2.5, .bytes = 0, .ttfb = std::nullopt, .status = "NoSuchKey"});
  const OpReport r = summarize(samples, 1.0, 3.0);
  CHECK(r.ops == 11);
  CHECK(r.bytes == 10u << 20);
  CHECK(r.mib_per_s == Approx(5.0));
  CHECK(r.ops_per_s == Approx(5.0));
  CHECK(r.latency.p50 == Approx(0.05).epsilon(LatencyHistogram::kRelativeError));
  CHECK(r.latency.max == Approx(0.10));
  REQUIRE(r.ttfb);
  CHECK(r.ttfb->p90 == Approx(0.009).epsilon(LatencyHistogram::kRelativeError));
  CHECK(r.errors.at("NoSuchKey") == 1);
  REQUIRE(r.by_second);
  CHECK(r.by_second->fastest.ops == 5);
}

TEST_CASE("autoterm stops a steady series once the window is full") {
  SteadyDetector steady(5, 10.0);
  const double series[] = {100, 104, 97, 101, 99, 102};
  int stopped_at = -1;
  for (int i = 0; i < 6 && stopped_at < 0; ++i) {
    if (steady.add(series[i])) stopped_at = i;
  }
  CHECK(stopped_at == 4);  // the fifth second fills the window: spread 7 on a mean of 100.2
}

TEST_CASE("autoterm does not stop a ramp, nor a run that moves nothing") {
  SteadyDetector ramp(5, 10.0);
  for (int i = 1; i <= 30; ++i) CHECK_FALSE(ramp.add(100.0 * i));

  SteadyDetector idle(3, 10.0);
  for (int i = 0; i < 5; ++i) CHECK_FALSE(idle.add(0));

  // A ramp that levels off is steady once the window holds only the plateau.
  SteadyDetector levels(3, 5.0);
  const double series[] = {10, 50, 90, 100, 100, 101};
  bool steady = false;
  for (double v : series) steady = levels.add(v);
  CHECK(steady);
}
