// A local tree, file by file, as a recursive copy or sync reads it: streamed (one directory's entries at
// a time, never the whole tree), in the byte order of the files' relative paths, which is the order of an
// S3 listing of the same names ("a.txt" before "a/b": within a directory, a subdirectory sorts as its name
// followed by '/'). A sync pairs the two sides by walking both in step.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "raws3/export.hpp"

namespace raws3 {

struct WalkedFile {
  std::string path;      // root joined with relative
  std::string relative;  // below root, '/'-separated
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // nanoseconds since the epoch
};

struct WalkOptions {
  // Symlinks to files and directories are followed, as awscli does; false skips them (reported).
  bool follow_symlinks = true;
};

// What the walk passed over, and why: "empty directory", "dangling symlink", "symlink loop", "not a
// regular file (FIFO)", "cannot read directory: Permission denied", "symlink (not followed)".
using WalkSkip = std::function<void(const std::string& path, const std::string& why)>;

class RAWS3_API DirectoryWalk {
 public:
  // root must be a directory (a FileError otherwise). skipped hears of what next() passes over, as it
  // does. A directory reached again through a symlink to one above it (a loop) is passed over.
  DirectoryWalk(const std::string& root, WalkOptions options, WalkSkip skipped);
  ~DirectoryWalk();
  DirectoryWalk(const DirectoryWalk&) = delete;
  DirectoryWalk& operator=(const DirectoryWalk&) = delete;

  // The next regular file, or nullopt once the tree is done.
  std::optional<WalkedFile> next();

 private:
  struct Entry;
  struct Level;
  void open(std::string path, std::string relative, dev_t device, ino_t inode);

  WalkOptions options_;
  WalkSkip skipped_;
  std::vector<Level> levels_;  // the directories from the root down to the one being read
};

// Every regular file under root, in DirectoryWalk's order.
RAWS3_API void walk_directory(const std::string& root, const WalkOptions& options,
                              const std::function<void(const WalkedFile&)>& file, const WalkSkip& skipped);

}  // namespace raws3
