#include "io/temporary_file.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "raws3/error.hpp"

namespace raws3::io {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& name, int err = errno) {
  throw FileError(what + " '" + name + "': " + std::strerror(err));
}

// An unnamed file is linked in through /proc/self/fd: without /proc (a bare chroot) files get names.
bool can_link_unnamed() {
  static const bool can = ::access("/proc/self/fd", X_OK) == 0;
  return can;
}

std::string directory_of(const std::string& target) {
  const std::filesystem::path path(target);
  return path.has_parent_path() ? path.parent_path().string() : ".";
}

// A unique hidden name beside target, ".<name>.raws3-<random>", given to a new file (opened into *opened)
// or, when link_fd is an unnamed file, to that one. Returns the name.
std::string create_hidden(const std::string& target, int link_fd, FileDescriptor* opened) {
  namespace fs = std::filesystem;
  const std::string dir = directory_of(target);
  // Room for the dot and the suffix within NAME_MAX (255 bytes), however long the target's name.
  const std::string name = fs::path(target).filename().string().substr(0, 200);
  for (int tries = 0;; ++tries) {
    std::string candidate = (fs::path(dir) / ("." + name + ".raws3-" + random_suffix())).string();
    if (link_fd >= 0) {
      const std::string self = "/proc/self/fd/" + std::to_string(link_fd);
      if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, candidate.c_str(), AT_SYMLINK_FOLLOW) == 0) return candidate;
    } else {
      const int fd = ::open(candidate.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd >= 0) {
        *opened = FileDescriptor(fd);
        return candidate;
      }
    }
    if (errno != EEXIST || tries == 100) fail("cannot create a file in", dir);
  }
}

}  // namespace

std::string random_suffix() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[12];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw FileError(std::string("cannot draw a random name: ") + std::strerror(errno));
    }
    got += std::size_t(n);
  }
  std::string suffix;
  for (unsigned char b : bytes) suffix += kAlphabet[b % (sizeof kAlphabet - 1)];
  return suffix;
}

TemporaryFile::TemporaryFile(std::string target, bool unnamed) : target_(std::move(target)) {
  if (unnamed && can_link_unnamed()) {
    const int fd = ::open(directory_of(target_).c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
    if (fd >= 0) {
      fd_ = FileDescriptor(fd);
      return;
    }
    // Only "this file system cannot": any other failure (a missing or read-only directory) is the same
    // for a named file, which reports it.
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) fail("cannot create a file in", directory_of(target_));
  }
  path_ = create_hidden(target_, -1, &fd_);
}

void TemporaryFile::commit() {
  if (path_.empty()) {
    // Linked straight to the target when nothing is there; else under a hidden name first, then renamed
    // over it, which replaces in one step. /proc/self/fd links need no privilege (AT_EMPTY_PATH would).
    const std::string self = "/proc/self/fd/" + std::to_string(fd_.get());
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, target_.c_str(), AT_SYMLINK_FOLLOW) == 0) {
      fd_.reset();
      return;
    }
    if (errno != EEXIST) fail("cannot link into place", target_);
    path_ = create_hidden(target_, fd_.get(), nullptr);
  }
  fd_.reset();
  if (::rename(path_.c_str(), target_.c_str()) != 0) fail("cannot rename into place", target_);
  path_.clear();
}

void TemporaryFile::discard() noexcept {
  fd_.reset();
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
}

void create_parent_directories(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) throw FileError("cannot create directory '" + parent.string() + "': " + ec.message());
}

}  // namespace raws3::io
