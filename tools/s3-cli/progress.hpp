// The single updating progress line of get, put and cp on a terminal.
//
// The library reports cumulative bytes per transfer (once per part, from its own threads); a sampling thread
// redraws the line from atomic counters four times a second, so a fast transfer never draws at all and a
// slow terminal never slows a transfer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace s3cli {

class Progress {
 public:
  // Planned totals; total_bytes 0 for one transfer: unknown until it reports it.
  Progress(bool enabled, std::string label, std::uint64_t total_bytes, std::uint64_t total_files);
  // Many, counted as a walk or listing finds them (found()); an ETA once it has found them all.
  Progress(bool enabled, std::string label);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // One transfer's part of the line. Reports are cumulative and may arrive from several threads, out of
  // order: only growth counts.
  class Share {
   public:
    explicit Share(Progress& progress) noexcept : progress_(progress) {}
    void update(std::uint64_t done, std::uint64_t total) noexcept;

   private:
    Progress& progress_;
    std::atomic<std::uint64_t> seen_{0};
  };

  void file_done() noexcept { done_files_.fetch_add(1, std::memory_order_relaxed); }
  void found(std::uint64_t bytes) noexcept {
    total_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    total_files_.fetch_add(1, std::memory_order_relaxed);
  }
  void found_all() noexcept { complete_.store(true, std::memory_order_relaxed); }
  void add_done(std::uint64_t bytes) noexcept { done_bytes_.fetch_add(bytes, std::memory_order_relaxed); }

 private:
  void run(const std::stop_token& stop);
  std::string render(std::chrono::steady_clock::duration elapsed) const;

  std::string label_;
  const bool many_;
  std::atomic<std::uint64_t> total_files_;
  std::atomic<std::uint64_t> total_bytes_;
  std::atomic<bool> complete_;
  std::atomic<std::uint64_t> done_bytes_{0};
  std::atomic<std::uint64_t> done_files_{0};
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::jthread thread_;
};

// Whether progress may be drawn: stderr is a terminal, the user did not turn it off, and the data itself is
// not being written to that same terminal.
bool progress_allowed(bool quiet_or_off, bool data_to_stdout);

}  // namespace s3cli
