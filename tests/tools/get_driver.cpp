// Drives the library's whole-object GET into each kind of destination, for
// tests/integration/test_range_get.py and perf/get_bench.sh. Endpoint and credentials come from the
// environment (S3_ENDPOINT, AWS_*), tuning from RAWS3_*.
//
//   get_driver memory BUCKET KEY       Client::get_into a buffer sized by a HEAD; the bytes to stdout
//   get_driver string BUCKET KEY       Client::get_object; the bytes to stdout
//   get_driver async BUCKET KEY        Client::get_object_async (one request); the bytes to stdout
//   get_driver stdout BUCKET KEY       Client::get_to, writing to stdout as the pieces come
//   get_driver file BUCKET KEY PATH    Client::get_to_file (PATH may be /dev/null or a FIFO)
//   get_driver discard BUCKET KEY      Client::get_discard
//
// Ends with one JSON line on stderr: size, etag, seconds, progress calls and the last progress seen, and
// the process's resident memory before the GET and at its peak (VmRSS, VmHWM from /proc/self/status). A
// failure ends with "get_driver: <what>" and a JSON line of the memory figures alone.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "driver_util.hpp"
#include "raws3/client.hpp"

using raws3::test::status_kib;
using raws3::test::unquoted;

namespace {

void write_stdout(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n <= 0) throw raws3::FileError("cannot write stdout");
    bytes = bytes.subspan(std::size_t(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 3 || (args[0] == "file") != (args.size() == 4)) {
    std::cerr << "usage: get_driver memory|string|async|stdout|discard BUCKET KEY | get_driver file BUCKET KEY PATH\n";
    return 2;
  }
  std::uint64_t rss_before = 0;
  try {
    raws3::Client client(raws3::test::driver_config());
    const std::string &mode = args[0], &bucket = args[1], &key = args[2];
    unsigned progress_calls = 0;
    std::uint64_t progress_done = 0, progress_total = 0;
    raws3::GetOptions options{.progress = [&](std::uint64_t done, std::uint64_t total) {
      ++progress_calls;
      progress_done = done;
      progress_total = total;
    }};
    std::vector<std::byte> memory;
    if (mode == "memory") memory.resize(client.head_object(bucket, key).size);
    rss_before = status_kib("VmRSS");
    const auto start = std::chrono::steady_clock::now();
    raws3::HeadResult head;
    if (mode == "memory") {
      head.size = client.get_into(bucket, key, memory);
      write_stdout(std::span(memory).first(head.size));
    } else if (mode == "string" || mode == "async") {
      const std::string body =
          mode == "string" ? client.get_object(bucket, key) : client.get_object_async(bucket, key).get();
      head.size = body.size();
      write_stdout(std::as_bytes(std::span(body)));
    } else if (mode == "stdout") {
      head = client.get_to(bucket, key, write_stdout, options);
    } else if (mode == "file") {
      head = client.get_to_file(bucket, key, args[3], options);
    } else if (mode == "discard") {
      head = client.get_discard(bucket, key, options);
    } else {
      std::cerr << "get_driver: unknown mode " << mode << "\n";
      return 2;
    }
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    std::cerr << "{\"size\": " << head.size << ", \"etag\": \"" << unquoted(head.etag) << "\", \"seconds\": " << seconds.count()
              << ", \"progress_calls\": " << progress_calls << ", \"progress_done\": " << progress_done
              << ", \"progress_total\": " << progress_total << ", \"rss_before_kib\": " << rss_before
              << ", \"hwm_kib\": " << status_kib("VmHWM") << "}\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "get_driver: " << e.what() << "\n"
              << "{\"rss_before_kib\": " << rss_before << ", \"hwm_kib\": " << status_kib("VmHWM") << "}\n";
    return 1;
  }
}
