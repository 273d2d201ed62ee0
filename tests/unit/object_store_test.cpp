// The file:// side of the object stores: writers that publish only on finish(), and copies through them.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "process_umask.hpp"
#include "store/object_store.hpp"

using namespace raws3;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("raws3-store-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

}  // namespace

TEST_CASE("file writer: nothing at the target until finish, then all of it") {
  TempDir dir;
  const fs::path target = dir.path / "obj";
  {
    std::ofstream(target) << "old";
  }
  ObjectWriter w = store::file_writer(target.string());
  w.write_chunk(bytes_of("hello "));
  w.write_owned(std::vector<std::byte>(3, std::byte{'x'}));
  CHECK(slurp(target) == "old");
  w.finish();
  CHECK(slurp(target) == "hello xxx");
  CHECK(w.result().size == 9);
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}) == 1);
}

TEST_CASE("file writer: abort and destruction leave nothing behind") {
  TempDir dir;
  {
    ObjectWriter w = store::file_writer((dir.path / "dropped").string());
    w.write_chunk(bytes_of("partial"));
  }
  ObjectWriter w = store::file_writer((dir.path / "aborted").string());
  w.write_chunk(bytes_of("partial"));
  w.abort();
  CHECK_THROWS_AS(w.write_chunk(bytes_of("more")), Error);
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("copy between local files goes through the file store") {
  TempDir dir;
  const std::string content(3 << 20, 'q');
  {
    std::ofstream(dir.path / "src", std::ios::binary) << content;
  }
  auto files = store::file_store();
  const store::Location from = store::parse_location((dir.path / "src").string());
  const store::Location to = store::parse_location("file://" + (dir.path / "dst").string());
  const PutResult r = store::copy(*files, from, *files, to);
  CHECK(r.size == content.size());
  CHECK(slurp(dir.path / "dst") == content);
  std::uint64_t seen = 0;
  CHECK(files->read(to, [&](std::span<const std::byte> piece) { seen += piece.size(); }) == content.size());
  CHECK(seen == content.size());
}

TEST_CASE("file writers on many threads never touch the process umask, and get what a create gives") {
  TempDir dir;
  test::UmaskWatch watch(027);
  constexpr int kThreads = 8;
  constexpr int kWriters = 300;  // each: one writer opened; every 10th finished, the others aborted
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&dir, t] {
      for (int i = 0; i < kWriters; ++i) {
        ObjectWriter w = store::file_writer((dir.path / ("f" + std::to_string(t) + "-" + std::to_string(i))).string());
        w.write_chunk(bytes_of("x"));
        if (i % 10 == 0)
          w.finish();
        else
          w.abort();
      }
    });
  for (std::thread& t : threads) t.join();
  watch.stop();
  CHECK(watch.changed_to() == -1);
  CHECK(test::process_umask() == 027);
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    struct stat st {};
    REQUIRE(::stat(entry.path().c_str(), &st) == 0);
    CAPTURE(entry.path());
    CHECK((st.st_mode & 07777) == (0666 & ~027));
    ++files;
  }
  CHECK(files == kThreads * kWriters / 10);  // the aborted ones left nothing, not even a temporary
}
