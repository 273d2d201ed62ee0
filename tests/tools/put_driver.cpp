// Drives the library's upload paths for tests/integration/test_multipart.py, which checks what lands on
// the server. Endpoint and credentials come from the environment (S3_ENDPOINT, AWS_*).
//
//   put_driver file BUCKET KEY PATH          Client::upload_file
//   put_driver stream BUCKET KEY             Client::upload_stream of stdin
//   put_driver writer BUCKET KEY [FAIL_AT]   stdin through an ObjectWriter, in pieces of varying sizes,
//                                            every third one handed over with write_owned; with FAIL_AT,
//                                            the writer is dropped unfinished after that many bytes
//
// PUT_DRIVER_CHECKSUM=crc32c|md5|none picks PutOptions::checksum (default crc32c); PUT_DRIVER_PART_SIZE
// (bytes) sets PutOptions::part_size.
// Prints one JSON line: etag, size, parts, part_size, part_size_raised, progress (the bytes the progress
// callback last reported), seconds (the upload alone), and
// peak_rss (bytes: VmHWM, which
// unlike a parent's rusage does not count the memory of the process that forked us).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "driver_util.hpp"
#include "raws3/client.hpp"

using raws3::test::status_kib;
using raws3::test::unquoted;

namespace {

std::size_t read_some(std::vector<std::byte>& buffer) {
  std::size_t got = 0;
  while (got < buffer.size()) {
    const ssize_t n = ::read(STDIN_FILENO, buffer.data() + got, buffer.size() - got);
    if (n < 0) throw raws3::FileError("cannot read stdin");
    if (n == 0) break;
    got += std::size_t(n);
  }
  buffer.resize(got);
  return got;
}

// What the progress callback last said (it runs on a loop thread).
std::atomic<std::uint64_t> progress_done{0};

raws3::PutOptions options_from_env() {
  raws3::PutOptions options;
  options.progress = [](std::uint64_t done, std::uint64_t) { progress_done.store(done); };
  const char* checksum = std::getenv("PUT_DRIVER_CHECKSUM");
  const std::string name = checksum ? checksum : "crc32c";
  if (name == "md5")
    options.checksum = raws3::Checksum::Md5;
  else if (name == "none")
    options.checksum = raws3::Checksum::None;
  else if (name != "crc32c")
    throw raws3::ConfigError("PUT_DRIVER_CHECKSUM: unknown checksum " + name);
  if (const char* part_size = std::getenv("PUT_DRIVER_PART_SIZE")) options.part_size = std::stoull(part_size);
  return options;
}

raws3::PutResult through_writer(raws3::Client& client, const std::string& bucket, const std::string& key,
                                const raws3::PutOptions& options, std::optional<std::uint64_t> fail_at) {
  raws3::ObjectWriter writer = client.writer(bucket, key, options);
  // Sizes that straddle chunk boundaries every which way, and some larger than a part.
  static const std::size_t sizes[] = {1, 4093, 65536, 3 << 20, 777, 11 << 20, 1 << 20};
  std::uint64_t written = 0;
  for (std::size_t i = 0;; ++i) {
    std::vector<std::byte> piece(sizes[i % std::size(sizes)]);
    if (read_some(piece) == 0) break;
    written += piece.size();
    if (i % 3 == 2)
      writer.write_owned(std::move(piece));
    else
      writer.write_chunk(piece);
    if (fail_at && written >= *fail_at) throw std::runtime_error("giving up on purpose");
  }
  writer.finish();
  return writer.result();
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 3) {
    std::cerr << "usage: put_driver file|stream|writer BUCKET KEY [PATH|FAIL_AT]\n";
    return 2;
  }
  try {
    raws3::Client client(raws3::test::driver_config());
    const std::string& mode = args[0];
    const raws3::PutOptions options = options_from_env();
    const auto start = std::chrono::steady_clock::now();
    raws3::PutResult r;
    if (mode == "file" && args.size() == 4) {
      r = client.upload_file(args[1], args[2], args[3], options);
    } else if (mode == "stream") {
      r = client.upload_stream(args[1], args[2], STDIN_FILENO, options);
    } else if (mode == "writer") {
      std::optional<std::uint64_t> fail_at;
      if (args.size() == 4) fail_at = std::stoull(args[3]);
      r = through_writer(client, args[1], args[2], options, fail_at);
    } else {
      std::cerr << "put_driver: unknown mode " << mode << "\n";
      return 2;
    }
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    std::cout << "{\"etag\": \"" << unquoted(r.etag) << "\", \"size\": " << r.size << ", \"parts\": " << r.parts
              << ", \"part_size\": " << r.part_size
              << ", \"part_size_raised\": " << (r.part_size_raised ? "true" : "false")
              << ", \"progress\": " << progress_done.load() << ", \"seconds\": " << seconds.count() << ", \"peak_rss\": " << status_kib("VmHWM") * 1024 << "}\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "put_driver: " << e.what() << "\n";
    return 1;
  }
}
