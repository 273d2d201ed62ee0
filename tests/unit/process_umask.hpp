// The process umask as the kernel reports it (/proc/self/status), and a thread that watches it: reading it
// with umask() would change it, which is the very race the tests look for.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>

namespace raws3::test {

inline mode_t process_umask() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("Umask:")) return mode_t(std::stoul(line.substr(6), nullptr, 8));
  return mode_t(-1);
}

// Sets the umask for its lifetime (restoring the old one after) and polls the kernel's view of it on a
// thread of its own until stop(): any other value seen is kept in changed_to().
class UmaskWatch {
 public:
  explicit UmaskWatch(mode_t mask) : mask_(mask), saved_(::umask(mask)) {
    watcher_ = std::thread([this] {
      while (!stop_.load()) {
        const mode_t now = process_umask();
        if (now != mask_) changed_to_.store(int(now));
      }
    });
  }
  ~UmaskWatch() {
    stop();
    ::umask(saved_);
  }
  void stop() {
    stop_.store(true);
    if (watcher_.joinable()) watcher_.join();
  }
  // -1 while the umask never left the value set.
  int changed_to() const { return changed_to_.load(); }
  mode_t mask() const { return mask_; }

 private:
  mode_t mask_;
  mode_t saved_;
  std::atomic<bool> stop_{false};
  std::atomic<int> changed_to_{-1};
  std::thread watcher_;
};

}  // namespace raws3::test
