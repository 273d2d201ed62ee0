// Temporary files, unnamed or beside their target: what downloads and file writers publish through.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "io/temporary_file.hpp"
#include "process_umask.hpp"
#include "raws3/error.hpp"

using namespace raws3;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("raws3-tmpfile-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_text(int fd, const std::string& text) {
  REQUIRE(::write(fd, text.data(), text.size()) == ssize_t(text.size()));
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::size_t entries(const fs::path& dir) {
  return std::size_t(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

}  // namespace

TEST_CASE("temporary file: unnamed until commit, which replaces the target in one step", "[io][tmpfile]") {
  TempDir dir;  // /tmp: a file system with O_TMPFILE (ext4 or tmpfs)
  const fs::path target = dir.path / "obj";
  std::ofstream(target) << "old";
  io::TemporaryFile file(target.string());
  CHECK(file.path().empty());
  CHECK(entries(dir.path) == 1);  // nothing a kill could leave behind
  write_text(file.fd(), "new bytes");
  CHECK(slurp(target) == "old");
  file.commit();
  CHECK(slurp(target) == "new bytes");
  CHECK(entries(dir.path) == 1);

  io::TemporaryFile fresh((dir.path / "fresh").string());  // no target yet: linked straight in
  write_text(fresh.fd(), "first");
  fresh.commit();
  CHECK(slurp(dir.path / "fresh") == "first");
  CHECK(entries(dir.path) == 2);
}

TEST_CASE("temporary file: named, beside the target, which changes only on commit", "[io][tmpfile]") {
  TempDir dir;
  const fs::path target = dir.path / "obj";
  std::ofstream(target) << "old";
  io::TemporaryFile file(target.string(), false);
  CHECK(fs::path(file.path()).parent_path() == dir.path);
  CHECK(fs::path(file.path()).filename().string().starts_with(".obj.raws3-"));
  write_text(file.fd(), "new bytes");
  CHECK(slurp(target) == "old");
  file.commit();
  CHECK(slurp(target) == "new bytes");
  CHECK(entries(dir.path) == 1);
}

TEST_CASE("temporary file: discarded or dropped, nothing is left", "[io][tmpfile]") {
  TempDir dir;
  for (const bool unnamed : {true, false}) {
    CAPTURE(unnamed);
    {
      io::TemporaryFile dropped((dir.path / "a").string(), unnamed);
      write_text(dropped.fd(), "partial");
      io::TemporaryFile moved = std::move(dropped);  // the moved-from one must not remove moved's file
      CHECK(entries(dir.path) == (unnamed ? 0 : 1));
    }
    io::TemporaryFile discarded((dir.path / "b").string(), unnamed);
    discarded.discard();
    discarded.discard();
    CHECK(fs::is_empty(dir.path));
  }
}

TEST_CASE("temporary file: a failed rename leaves the target alone and the temporary to the destructor",
          "[io][tmpfile]") {
  TempDir dir;
  fs::create_directories(dir.path / "taken" / "child");  // a non-empty directory cannot be renamed over
  for (const bool unnamed : {true, false}) {
    CAPTURE(unnamed);
    {
      io::TemporaryFile file((dir.path / "taken").string(), unnamed);
      CHECK_THROWS_AS(file.commit(), FileError);
    }
    CHECK(entries(dir.path) == 1);
    CHECK(fs::is_directory(dir.path / "taken" / "child"));
  }
}

TEST_CASE("temporary file: a missing directory is a FileError naming it", "[io][tmpfile]") {
  TempDir dir;
  const std::string missing = (dir.path / "no-such-dir").string();
  try {
    io::TemporaryFile file(missing + "/obj");
    FAIL("created a file in a missing directory");
  } catch (const FileError& e) {
    CHECK_THAT(e.what(), Catch::Contains("cannot create a file in '" + missing + "'") &&
                             Catch::Contains("No such file or directory"));
  }
}

TEST_CASE("temporary file: a target name at NAME_MAX still gets a temporary", "[io][tmpfile]") {
  TempDir dir;
  const fs::path target = dir.path / std::string(255, 'n');
  for (const bool unnamed : {true, false}) {
    CAPTURE(unnamed);
    io::TemporaryFile file(target.string(), unnamed);  // the second replaces the first's
    write_text(file.fd(), unnamed ? "x" : "y");
    file.commit();
    CHECK(slurp(target) == (unnamed ? "x" : "y"));
  }
}

TEST_CASE("temporary files from many threads: unique names, the umask untouched, a create's mode",
          "[io][tmpfile]") {
  TempDir dir;
  test::UmaskWatch watch(027);
  constexpr int kThreads = 8;
  constexpr int kFiles = 100;  // all open at once: 800 descriptors, under the usual limit of 1024
  std::vector<std::vector<std::string>> names(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      // All on one target: only the unique names keep the writers apart.
      std::vector<io::TemporaryFile> open;
      for (int i = 0; i < kFiles; ++i) {
        open.emplace_back((dir.path / "same-target").string(), false);
        names[std::size_t(t)].push_back(open.back().path());
      }
    });
  for (std::thread& t : threads) t.join();
  watch.stop();
  CHECK(watch.changed_to() == -1);
  CHECK(test::process_umask() == 027);
  std::set<std::string> distinct;
  for (const auto& list : names) distinct.insert(list.begin(), list.end());
  CHECK(distinct.size() == std::size_t(kThreads * kFiles));
  CHECK(fs::is_empty(dir.path));  // each thread's files went when its vector did

  for (const bool unnamed : {true, false}) {
    CAPTURE(unnamed);
    const fs::path target = dir.path / (unnamed ? "unnamed" : "named");
    io::TemporaryFile one(target.string(), unnamed);
    struct stat st {};
    REQUIRE(::fstat(one.fd(), &st) == 0);
    CHECK((st.st_mode & 07777) == (0666 & ~027));
    one.commit();
    CHECK(mode_of(target) == (0666 & ~027));
  }
}
