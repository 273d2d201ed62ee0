// What an object read into memory may take (s3/memory_limit.hpp), from fake /proc and cgroup trees.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "s3/memory_limit.hpp"

namespace fs = std::filesystem;
using raws3::s3::available_memory;

namespace {

struct FakeTree {
  fs::path root = fs::temp_directory_path() / ("raws3-memory-" + std::to_string(::getpid()));
  FakeTree() { put("proc/meminfo", "MemTotal:  9000000 kB\nMemAvailable:    8000000 kB\n"); }
  ~FakeTree() { fs::remove_all(root); }
  void put(const std::string& path, const std::string& text) const {
    fs::create_directories((root / path).parent_path());
    std::ofstream(root / path) << text;
  }
  std::string proc() const { return (root / "proc").string(); }
  std::string cgroup() const { return (root / "cgroup").string(); }
};

}  // namespace

TEST_CASE("memory: MemAvailable alone, without cgroups", "[memory]") {
  FakeTree tree;
  tree.put("proc/self/cgroup", "0::/\n");
  const auto available = available_memory(tree.proc(), tree.cgroup());
  CHECK(available.bytes == 8000000ull * 1024);
  CHECK(available.source.starts_with("MemAvailable"));
}

TEST_CASE("memory: a cgroup v2 ancestor's memory.max, less its working set", "[memory]") {
  FakeTree tree;
  tree.put("proc/self/cgroup", "0::/a/b\n");
  tree.put("cgroup/a/memory.max", "2147483648\n");
  tree.put("cgroup/a/memory.current", "1610612736\n");
  tree.put("cgroup/a/memory.stat", "anon 1\ninactive_file 1073741824\n");
  tree.put("cgroup/a/b/memory.max", "max\n");
  const auto available = available_memory(tree.proc(), tree.cgroup());
  CHECK(available.bytes == 2147483648ull - (1610612736ull - 1073741824ull));
  CHECK(available.source.ends_with("a/memory.max"));
}

TEST_CASE("memory: a cgroup v1 memory hierarchy", "[memory]") {
  FakeTree tree;
  tree.put("proc/self/cgroup", "12:pids:/x\n4:cpu,memory:/x/y\n0::/\n");
  tree.put("cgroup/memory/x/y/memory.limit_in_bytes", "1073741824\n");
  tree.put("cgroup/memory/x/y/memory.usage_in_bytes", "100\n");
  tree.put("cgroup/memory/x/y/memory.stat", "inactive_file 7\ntotal_inactive_file 50\n");
  tree.put("cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  CHECK(available_memory(tree.proc(), tree.cgroup()).bytes == 1073741824ull - 50);
}

TEST_CASE("memory: an unreadable /proc/self/cgroup leaves MemAvailable", "[memory]") {
  FakeTree tree;
  tree.put("proc/self/cgroup", "garbage\n0::\n4:memory:relative\n");
  CHECK(available_memory(tree.proc(), tree.cgroup()).bytes == 8000000ull * 1024);
}

TEST_CASE("memory: an object larger than memory is refused, naming its size", "[memory]") {
  CHECK_NOTHROW(raws3::s3::check_fits_in_memory(1 << 20, "s3://b/k"));
  CHECK_THROWS_WITH(raws3::s3::check_fits_in_memory(1ull << 50, "s3://b/k"),
                    Catch::Contains("s3://b/k has 1125899906842624 bytes") && Catch::Contains("get_to_file"));
}
