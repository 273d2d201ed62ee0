// The single updating progress line of get, put and cp on a terminal.
//
// The library reports nothing while a get_to_file or put_file runs, so the line is drawn by a sampling
// thread over a byte counter that the command feeds wherever it sees bytes: every piece of a streamed GET,
// or a whole file when it completes. Without such feeding (a single file transfer) the line says only how
// long the transfer has been running; it never invents a rate.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace s3cli {

class Progress {
 public:
  struct Plan {
    std::string label;
    std::uint64_t total_bytes = 0;  // 0: unknown
    std::uint64_t total_files = 1;
    // False when bytes only become visible at completion: the line then shows elapsed time, not a rate.
    bool live_bytes = true;
  };

  // A disabled Progress draws nothing and starts no thread.
  Progress(bool enabled, Plan plan);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add_bytes(std::uint64_t n) noexcept { done_bytes_.fetch_add(n, std::memory_order_relaxed); }
  void file_done() noexcept { done_files_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void run(const std::stop_token& stop);
  std::string render(std::chrono::steady_clock::duration elapsed) const;

  Plan plan_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<std::uint64_t> done_bytes_{0};
  std::atomic<std::uint64_t> done_files_{0};
  std::jthread thread_;
};

// Whether progress may be drawn: stderr is a terminal, the user did not turn it off, and the data itself is
// not being written to that same terminal.
bool progress_allowed(bool quiet_or_off, bool data_to_stdout);

}  // namespace s3cli
