#include "raws3/directory_walk.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "raws3/error.hpp"

namespace raws3 {

namespace {

std::string kind_of(mode_t mode) {
  if (S_ISFIFO(mode)) return "FIFO";
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  return "special file";
}

std::int64_t mtime_ns(const struct stat& st) {
  return std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace

// A directory entry as the walk will take it: stat'ed (through a followed symlink) when it was read, so
// that it sorts as what it is.
struct DirectoryWalk::Entry {
  std::string name;
  std::string order;  // name, and a '/' after a directory's
  struct stat st {};
  std::string skip;  // why it is passed over; empty when it is walked
};

struct DirectoryWalk::Level {
  std::string path;
  std::string relative;
  dev_t device;
  ino_t inode;
  std::vector<Entry> entries;
  std::size_t at = 0;
};

DirectoryWalk::DirectoryWalk(const std::string& root, WalkOptions options, WalkSkip skipped)
    : options_(options), skipped_(std::move(skipped)) {
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) throw FileError("'" + root + "': " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) throw FileError("'" + root + "' is not a directory");
  std::string base = root;
  while (base.size() > 1 && base.ends_with('/')) base.pop_back();
  open(std::move(base), "", st.st_dev, st.st_ino);
}

DirectoryWalk::~DirectoryWalk() = default;

void DirectoryWalk::open(std::string path, std::string relative, dev_t device, ino_t inode) {
  for (const Level& level : levels_) {
    if (level.device == device && level.inode == inode) {
      skipped_(path, "symlink loop");
      return;
    }
  }
  DIR* dir = ::opendir(path.c_str());
  if (!dir) {
    skipped_(path, std::string("cannot read directory: ") + std::strerror(errno));
    return;
  }
  Level level{std::move(path), std::move(relative), device, inode, {}, 0};
  const std::string base = level.path == "/" ? std::string() : level.path;
  errno = 0;
  while (const dirent* e = ::readdir(dir)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    Entry entry{e->d_name, e->d_name, {}, {}};
    const std::string full = base + "/" + entry.name;
    if (::lstat(full.c_str(), &entry.st) != 0) {
      entry.skip = std::strerror(errno);  // gone since readdir
    } else if (S_ISLNK(entry.st.st_mode)) {
      if (!options_.follow_symlinks)
        entry.skip = "symlink (not followed)";
      else if (::stat(full.c_str(), &entry.st) != 0)
        entry.skip = errno == ELOOP ? "symlink loop" : "dangling symlink";
    }
    if (entry.skip.empty() && S_ISDIR(entry.st.st_mode)) entry.order += '/';
    level.entries.push_back(std::move(entry));
    errno = 0;
  }
  const int error = errno;
  ::closedir(dir);
  if (error != 0) {
    skipped_(level.path, std::string("cannot read directory: ") + std::strerror(error));
    return;
  }
  if (level.entries.empty()) {
    skipped_(level.path, "empty directory");
    return;
  }
  std::sort(level.entries.begin(), level.entries.end(),
            [](const Entry& a, const Entry& b) { return a.order < b.order; });
  levels_.push_back(std::move(level));
}

std::optional<WalkedFile> DirectoryWalk::next() {
  while (!levels_.empty()) {
    Level& level = levels_.back();
    if (level.at == level.entries.size()) {
      levels_.pop_back();
      continue;
    }
    Entry& entry = level.entries[level.at++];
    const std::string path = (level.path == "/" ? std::string() : level.path) + "/" + entry.name;
    std::string relative = level.relative.empty() ? entry.name : level.relative + "/" + entry.name;
    if (!entry.skip.empty()) {
      skipped_(path, entry.skip);
    } else if (S_ISDIR(entry.st.st_mode)) {
      open(path, std::move(relative), entry.st.st_dev, entry.st.st_ino);  // may invalidate level
    } else if (S_ISREG(entry.st.st_mode)) {
      return WalkedFile{path, std::move(relative), std::uint64_t(entry.st.st_size), mtime_ns(entry.st)};
    } else {
      skipped_(path, "not a regular file (" + kind_of(entry.st.st_mode) + ")");
    }
  }
  return std::nullopt;
}

void walk_directory(const std::string& root, const WalkOptions& options,
                    const std::function<void(const WalkedFile&)>& file, const WalkSkip& skipped) {
  DirectoryWalk walk(root, options, skipped);
  while (std::optional<WalkedFile> f = walk.next()) file(*f);
}

}  // namespace raws3
