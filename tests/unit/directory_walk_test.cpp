// The local tree walk under cp -r: what it yields, in which order, and what it passes over and why.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "raws3/directory_walk.hpp"
#include "raws3/error.hpp"

using namespace raws3;
namespace fs = std::filesystem;

namespace {

struct Tree {
  fs::path root = fs::temp_directory_path() / ("raws3-walk-" + std::to_string(::getpid()));
  Tree() {
    fs::remove_all(root);
    fs::create_directories(root);
  }
  ~Tree() { fs::remove_all(root); }
  void file(const std::string& rel, std::size_t size) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel, std::ios::binary) << std::string(size, 'x');
  }
};

struct Walked {
  std::vector<std::string> files;         // relative paths, in the order yielded
  std::map<std::string, std::string> skipped;  // path below the root → why
};

Walked walk(const Tree& tree, WalkOptions options = {}) {
  Walked out;
  const std::string root = tree.root.string();
  walk_directory(
      root, options,
      [&](const WalkedFile& f) {
        CHECK(f.path == root + "/" + f.relative);
        CHECK(f.size == fs::file_size(f.path));
        out.files.push_back(f.relative);
      },
      [&](const std::string& path, const std::string& why) { out.skipped[path.substr(root.size() + 1)] = why; });
  return out;
}

}  // namespace

TEST_CASE("walk: every regular file, sorted within each directory, sizes and names exact", "[walk]") {
  Tree t;
  t.file("b/2", 2);
  t.file("a/z", 0);
  t.file("a/deeper/y", 30);
  t.file("top", 1);
  t.file("with space/ünï", 5);
  t.file("a.txt", 4);
  t.file("a-b/c", 4);
  const Walked w = walk(t);
  // An S3 listing's order: '-' (0x2D) and '.' (0x2E) sort before '/' (0x2F), so "a-b/c" and "a.txt" come
  // before the files under "a/".
  CHECK(w.files == std::vector<std::string>{"a-b/c", "a.txt", "a/deeper/y", "a/z", "b/2", "top", "with space/ünï"});
  CHECK(std::is_sorted(w.files.begin(), w.files.end()));
  CHECK(w.skipped.empty());
}

TEST_CASE("walk: symlinks followed, loops and dangling links reported, special files named", "[walk]") {
  Tree t;
  t.file("d/f", 3);
  fs::create_symlink(t.root / "d" / "f", t.root / "to-file");
  fs::create_symlink(t.root / "d", t.root / "to-dir");
  fs::create_symlink(t.root, t.root / "d" / "loop");
  fs::create_symlink(t.root / "nowhere", t.root / "dangling");
  fs::create_directories(t.root / "empty");
  REQUIRE(::mkfifo((t.root / "fifo").c_str(), 0600) == 0);

  const Walked w = walk(t);
  // d/loop leads back to the root, which is open: reported, not walked. to-dir/loop likewise.
  CHECK(w.files == std::vector<std::string>{"d/f", "to-dir/f", "to-file"});
  CHECK(w.skipped == std::map<std::string, std::string>{{"dangling", "dangling symlink"},
                                                        {"d/loop", "symlink loop"},
                                                        {"empty", "empty directory"},
                                                        {"fifo", "not a regular file (FIFO)"},
                                                        {"to-dir/loop", "symlink loop"}});

  const Walked unfollowed = walk(t, {.follow_symlinks = false});
  CHECK(unfollowed.files == std::vector<std::string>{"d/f"});
  CHECK(unfollowed.skipped.at("to-dir") == "symlink (not followed)");
  CHECK(unfollowed.skipped.at("dangling") == "symlink (not followed)");
}

TEST_CASE("walk: a root that is missing or not a directory is an error naming it", "[walk]") {
  Tree t;
  t.file("f", 1);
  auto nothing = [](const WalkedFile&) {};
  auto ignore = [](const std::string&, const std::string&) {};
  CHECK_THROWS_WITH(walk_directory((t.root / "f").string(), {}, nothing, ignore),
                    Catch::Contains("is not a directory"));
  CHECK_THROWS_AS(walk_directory((t.root / "missing").string(), {}, nothing, ignore), FileError);
}
