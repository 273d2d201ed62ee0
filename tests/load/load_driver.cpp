// Drives many small requests through one raws3::Client and checks that nothing leaks: the process's open
// file descriptors and resident memory after a second round equal those after the first (when every pool
// is warm), and after the client is gone they are back where they started. Endpoint and credentials come
// from the environment (S3_ENDPOINT, AWS_*), tuning from RAWS3_* (RAWS3_THREADS × RAWS3_MAX_CONNS
// connections).
//
//   load_driver BUCKET KEY REQUESTS     KEY: an existing object; half the requests GET it, half HEAD it
//
// Prints one JSON line (fds and RSS at each step, seconds) and exits 1 naming the first check that failed.
#include <dirent.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "../tools/driver_util.hpp"
#include "raws3/client.hpp"

using raws3::test::status_kib;

namespace {

unsigned open_fds() {
  unsigned n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  while (::readdir(dir)) ++n;
  ::closedir(dir);
  return n;
}

// Under AddressSanitizer freed memory waits in its quarantine (256 MiB) before reuse, so resident memory
// grows by design; its leak checker, at exit, stands in for the RSS check there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssIsMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kRssIsMeaningful = false;
#else
constexpr bool kRssIsMeaningful = true;
#endif
#else
constexpr bool kRssIsMeaningful = true;
#endif

// Requests in flight at once: enough to keep every connection busy, bounded so that the futures
// themselves do not count as growth.
constexpr std::size_t kWindow = 2048;

// Runs `count` requests, `kWindow` at a time; returns how many failed (the first failure is printed).
unsigned run_round(raws3::Client& client, const std::string& bucket, const std::string& key, std::size_t count,
                   std::uint64_t size) {
  unsigned failures = 0;
  auto check = [&](auto& future, auto&& valid) {
    try {
      if (!valid(future.get()) && failures++ == 0) std::cerr << "load_driver: a response had the wrong size\n";
    } catch (const std::exception& e) {
      if (failures++ == 0) std::cerr << "load_driver: " << e.what() << "\n";
    }
  };
  for (std::size_t done = 0; done < count; done += kWindow) {
    std::vector<std::variant<std::future<raws3::HeadResult>, std::future<std::string>>> window;
    for (std::size_t i = done; i < std::min(count, done + kWindow); ++i) {
      if (i % 2)
        window.emplace_back(client.head_object_async(bucket, key));
      else
        window.emplace_back(client.get_object_async(bucket, key));
    }
    for (auto& f : window) {
      if (auto* head = std::get_if<0>(&f))
        check(*head, [&](const raws3::HeadResult& h) { return h.size == size; });
      else
        check(std::get<1>(f), [&](const std::string& body) { return body.size() == size; });
    }
  }
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: load_driver BUCKET KEY REQUESTS\n";
    return 2;
  }
  const std::string bucket = argv[1];
  const std::string key = argv[2];
  const std::size_t requests = std::stoull(argv[3]);
  if (!std::getenv("S3_ENDPOINT")) {
    std::cerr << "load_driver: S3_ENDPOINT is not set\n";
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const unsigned fds_before = open_fds();
  unsigned fds_warm = 0;
  unsigned fds_after = 0;
  std::uint64_t rss_warm = 0;
  std::uint64_t rss_after = 0;
  unsigned failures = 0;
  {
    raws3::Client client(raws3::test::driver_config());
    const std::uint64_t size = client.head_object(bucket, key).size;
    // The first half fills every pool and every allocator arena; the second must find them as they were.
    failures += run_round(client, bucket, key, requests / 2, size);
    fds_warm = open_fds();
    rss_warm = status_kib("VmRSS");
    failures += run_round(client, bucket, key, requests - requests / 2, size);
    fds_after = open_fds();
    rss_after = status_kib("VmRSS");
  }
  const unsigned fds_end = open_fds();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "{\"requests\": " << requests << ", \"failures\": " << failures << ", \"fds_before\": " << fds_before
            << ", \"fds_warm\": " << fds_warm << ", \"fds_after\": " << fds_after << ", \"fds_end\": " << fds_end
            << ", \"rss_warm_kib\": " << rss_warm << ", \"rss_after_kib\": " << rss_after
            << ", \"seconds\": " << seconds << "}" << std::endl;

  // RSS may wander by what the allocator keeps for itself; a leak of even 100 bytes per request is more.
  const std::uint64_t rss_slack_kib = 4096;
  const bool rss_grew = kRssIsMeaningful && rss_after > rss_warm + rss_slack_kib;
  const char* failed = failures                 ? "requests failed"
                       : fds_after > fds_warm  ? "file descriptors grew between the rounds"
                       : fds_end != fds_before ? "file descriptors outlived the client"
                       : rss_grew              ? "resident memory grew between the rounds"
                                               : nullptr;
  if (failed) {
    std::cerr << "load_driver: " << failed << "\n";
    return 1;
  }
  return 0;
}
