// The statistics of s3-cli bench on samples whose answers are known by hand.
#include <catch2/catch.hpp>

#include "bench_stats.hpp"

using namespace s3cli::bench;

namespace {

Sample ok_sample(double start, double end, std::uint64_t bytes = 0) {
  return {.start = start, .end = end, .bytes = bytes, .ttfb = std::nullopt, .status = "OK"};
}

}  // namespace

TEST_CASE("nearest-rank percentiles of 1..100 ms are the samples at those ranks") {
  std::vector<double> ms;
  for (int i = 100; i >= 1; --i) ms.push_back(i);  // unsorted on purpose
  const Percentiles p = percentiles(ms);
  CHECK(p.p50 == 50);
  CHECK(p.p90 == 90);
  CHECK(p.p99 == 99);
  CHECK(p.max == 100);
}

TEST_CASE("percentiles of few samples round the rank up") {
  const Percentiles p = percentiles({7, 3, 5});
  CHECK(p.p50 == 5);  // rank ceil(1.5) = 2
  CHECK(p.p90 == 7);
  CHECK(p.p99 == 7);
  CHECK(p.max == 7);
  CHECK(percentiles({}).max == 0);
  CHECK(percentiles({4}).p50 == 4);
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
  CHECK(r.latency.p50 == Approx(0.05));
  CHECK(r.latency.max == Approx(0.10));
  REQUIRE(r.ttfb);
  CHECK(r.ttfb->p90 == Approx(0.009));
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
