#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <vector>

#include "output.hpp"

namespace s3cli {
namespace {

constexpr auto kInterval = std::chrono::milliseconds(250);

std::size_t terminal_width() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

// A line longer than the terminal wraps, and "\r" then erases only its last row.
std::string fit(std::string line, std::size_t width) {
  if (width < 2 || line.size() < width) return line;
  std::size_t cut = width - 1;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
  line.resize(cut);
  return line;
}

std::string clock_text(double seconds) {
  const auto s = static_cast<unsigned long>(seconds);
  std::array<char, 32> buf{};
  if (s >= 3600)
    std::snprintf(buf.data(), buf.size(), "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf.data(), buf.size(), "%lu:%02lu", s / 60, s % 60);
  return buf.data();
}

}  // namespace

bool progress_allowed(bool quiet_or_off, bool data_to_stdout) {
  if (quiet_or_off || !isatty(STDERR_FILENO)) return false;
  return !(data_to_stdout && isatty(STDOUT_FILENO));
}

Progress::Progress(bool enabled, std::string label, std::uint64_t total_bytes, std::uint64_t total_files)
    : label_(std::move(label)),
      many_(total_files > 1),
      total_files_(total_files),
      total_bytes_(total_bytes),
      complete_(true) {
  if (enabled) thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

Progress::Progress(bool enabled, std::string label)
    : label_(std::move(label)), many_(true), total_files_(0), total_bytes_(0), complete_(false) {
  if (enabled) thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

Progress::~Progress() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  Console::instance().clear_status();
}

void Progress::Share::update(std::uint64_t done, std::uint64_t total) noexcept {
  // A single transfer learns its size from the library (a GET from its first response); a tree's total
  // grows as its files are found.
  if (total > 0 && !progress_.many_) progress_.total_bytes_.store(total, std::memory_order_relaxed);
  std::uint64_t seen = seen_.load(std::memory_order_relaxed);
  while (done > seen) {
    if (seen_.compare_exchange_weak(seen, done, std::memory_order_relaxed)) {
      progress_.done_bytes_.fetch_add(done - seen, std::memory_order_relaxed);
      return;
    }
  }
}

void Progress::run(const std::stop_token& stop) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  // A transfer that ends within the first interval never draws a line.
  while (!wake.wait_for(lock, stop, kInterval, [&stop] { return stop.stop_requested(); })) {
    Console::instance().status(fit(render(std::chrono::steady_clock::now() - start_), terminal_width()));
  }
}

std::string Progress::render(std::chrono::steady_clock::duration elapsed) const {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const std::uint64_t done = done_bytes_.load(std::memory_order_relaxed);
  const std::uint64_t total = total_bytes_.load(std::memory_order_relaxed);
  std::vector<std::string> fields{label_, human_bytes(done) + (total > 0 ? " / " + human_bytes(total) : "")};
  const bool complete = complete_.load(std::memory_order_relaxed);
  if (many_) {
    fields.push_back(std::to_string(done_files_.load(std::memory_order_relaxed)) + "/" +
                     std::to_string(total_files_.load(std::memory_order_relaxed)) + (complete ? "" : "+") + " files");
  }
  if (done > 0 && seconds > 0) {
    const double rate = static_cast<double>(done) / seconds;
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.1f MB/s", rate / 1e6);
    fields.emplace_back(buf.data());
    if (complete && total > done) fields.push_back("ETA " + clock_text(static_cast<double>(total - done) / rate));
  } else {
    // Nothing acknowledged yet (a single-part upload reports only at its end): time, not an invented rate.
    fields.push_back(clock_text(seconds) + " elapsed");
  }
  std::string line;
  for (const std::string& field : fields) line += (line.empty() ? "" : "  ") + field;
  return line;
}

}  // namespace s3cli
