// A local tree, file by file, as a recursive copy or sync reads it: streamed (a directory's entries at a
// time, never the whole tree), in name order within each directory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

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

// Calls file for every regular file under root (a directory; a FileError otherwise) and skipped for what
// it passes over. A directory reached again through a symlink (a loop) is skipped, not walked forever.
RAWS3_API void walk_directory(const std::string& root, const WalkOptions& options,
                              const std::function<void(const WalkedFile&)>& file, const WalkSkip& skipped);

}  // namespace raws3
