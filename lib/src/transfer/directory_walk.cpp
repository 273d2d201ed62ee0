#include "raws3/directory_walk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "raws3/error.hpp"

namespace raws3 {

namespace {

struct DirectoryId {
  dev_t device;
  ino_t inode;
  bool operator==(const DirectoryId&) const = default;
};

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

class Walk {
 public:
  Walk(const WalkOptions& options, const std::function<void(const WalkedFile&)>& file, const WalkSkip& skipped)
      : options_(options), file_(file), skipped_(skipped) {}

  // path is a directory whose stat is st; relative its name below the root ("" for the root).
  void directory(const std::string& path, const std::string& relative, const struct stat& st) {
    const DirectoryId id{st.st_dev, st.st_ino};
    if (std::find(open_.begin(), open_.end(), id) != open_.end()) {
      skipped_(path, "symlink loop");
      return;
    }
    std::vector<std::string> names;
    if (!read_names(path, names)) return;
    if (names.empty()) {
      skipped_(path, "empty directory");
      return;
    }
    open_.push_back(id);
    const std::string base = path == "/" ? std::string() : path;
    for (const std::string& name : names) entry(base + "/" + name, relative.empty() ? name : relative + "/" + name);
    open_.pop_back();
  }

 private:
  bool read_names(const std::string& path, std::vector<std::string>& names) {
    DIR* dir = ::opendir(path.c_str());
    if (!dir) {
      skipped_(path, std::string("cannot read directory: ") + std::strerror(errno));
      return false;
    }
    errno = 0;
    while (const dirent* e = ::readdir(dir)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    }
    const int error = errno;
    ::closedir(dir);
    if (error != 0) {
      skipped_(path, std::string("cannot read directory: ") + std::strerror(error));
      return false;
    }
    std::sort(names.begin(), names.end());
    return true;
  }

  void entry(const std::string& path, const std::string& relative) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      skipped_(path, std::strerror(errno));  // gone since the listing
      return;
    }
    if (S_ISLNK(st.st_mode)) {
      if (!options_.follow_symlinks) {
        skipped_(path, "symlink (not followed)");
        return;
      }
      if (::stat(path.c_str(), &st) != 0) {
        skipped_(path, errno == ELOOP ? "symlink loop" : "dangling symlink");
        return;
      }
    }
    if (S_ISDIR(st.st_mode)) {
      directory(path, relative, st);
    } else if (S_ISREG(st.st_mode)) {
      file_(WalkedFile{path, relative, std::uint64_t(st.st_size), mtime_ns(st)});
    } else {
      skipped_(path, "not a regular file (" + kind_of(st.st_mode) + ")");
    }
  }

  const WalkOptions& options_;
  const std::function<void(const WalkedFile&)>& file_;
  const WalkSkip& skipped_;
  std::vector<DirectoryId> open_;  // the directories from the root down to the one being read
};

}  // namespace

void walk_directory(const std::string& root, const WalkOptions& options,
                    const std::function<void(const WalkedFile&)>& file, const WalkSkip& skipped) {
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) throw FileError("'" + root + "': " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) throw FileError("'" + root + "' is not a directory");
  std::string base = root;
  while (base.size() > 1 && base.ends_with('/')) base.pop_back();
  Walk(options, file, skipped).directory(base, "", st);
}

}  // namespace raws3
