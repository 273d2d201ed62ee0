// The statistics of s3-cli bench, kept free of I/O so that they can be tested on made-up samples.
//
// Times are seconds since the benchmark started. The measured window runs from the end of the warm-up to
// the moment the run stopped issuing operations; an operation belongs to it when it started inside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "latency_histogram.hpp"

namespace s3cli::bench {

// One operation as it happened.
struct Sample {
  double start = 0;
  double end = 0;
  std::uint64_t bytes = 0;     // body bytes moved; 0 for stat, delete and list
  std::optional<double> ttfb;  // seconds from start to the first body bytes, when the operation has a body
  std::string status;          // "OK", or the S3 error code (or the kind of local failure)

  bool ok() const noexcept { return status == "OK"; }
};

struct Percentiles {
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double max = 0;
};

// Nearest-rank percentiles: the p-th percentile is the smallest sample with at least p% of the samples at
// or below it, read from the histogram's buckets (within LatencyHistogram::kRelativeError of a real sample;
// max exact). Empty: all zero.
Percentiles percentiles(const LatencyHistogram& latencies);

// What completed within one whole second of the run.
struct Second {
  std::uint64_t bytes = 0;
  std::uint64_t ops = 0;
};

// Successful operations by the second in which they ended, for every whole second from `from` (the end of
// the warm-up, rounded up) to `to` (rounded down): a partly covered second would read as a slow one.
std::vector<Second> per_second(const std::vector<Sample>& samples, double from, double to);

// The fastest, median and slowest of those seconds, ordered by bytes and then by operations, so that
// operations without a body are ranked by their count.
struct SecondSummary {
  Second fastest;
  Second median;
  Second slowest;
};
std::optional<SecondSummary> summarize_seconds(std::vector<Second> seconds);

struct OpReport {
  std::uint64_t ops = 0;  // in the measured window, failures included
  std::uint64_t bytes = 0;
  double seconds = 0;  // length of the measured window
  double mib_per_s = 0;
  double ops_per_s = 0;  // successful operations
  Percentiles latency;                 // successful operations
  std::optional<Percentiles> ttfb;     // when any successful operation had one
  std::optional<SecondSummary> by_second;
  std::map<std::string, std::uint64_t> errors;  // by status
};

// What one kind of operation did in the measured window, kept in a form whose merge over ranks is exact:
// counts add, histograms add bucket by bucket, per-second figures add second by second.
struct OpTally {
  std::uint64_t ops = 0;  // failures included
  std::uint64_t bytes = 0;
  LatencyHistogram latency;  // successful operations
  LatencyHistogram ttfb;
  std::map<std::string, std::uint64_t> errors;  // by status
  std::vector<Second> seconds;                  // per_second() of the measured operations
};

// The operations that started in [warmup, stop), with their seconds counted up to seconds_to: the run's
// stop, or across ranks the earliest rank's, so that every rank counts the same seconds.
OpTally tally(const std::vector<Sample>& samples, double warmup, double stop, double seconds_to);
// The report of a tally whose measured window lasted `seconds`.
OpReport report_of(const OpTally& tally, double seconds);

// The report of one kind of operation over the window [warmup, stop).
OpReport summarize(const std::vector<Sample>& samples, double warmup, double stop);

// --autoterm: the run is steady once the throughputs of the last `window` whole seconds spread by at most
// `percent`% of their mean: (max - min) / mean * 100 <= percent. Feed it one value per second after the
// warm-up; a window that moved nothing is not steady.
class SteadyDetector {
 public:
  SteadyDetector(std::size_t window, double percent) : window_(window), percent_(percent) {}
  // Returns whether the run is steady with this second included.
  bool add(double per_second);

 private:
  std::size_t window_;
  double percent_;
  std::deque<double> recent_;
};

}  // namespace s3cli::bench
