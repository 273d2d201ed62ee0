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

// 12 characters of [a-z0-9] from the kernel's random pool: names no other writer (thread or process)
// picks, and that no one can guess ahead of time.
std::string random_suffix() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[12];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw FileError(std::string("cannot draw a random file name: ") + std::strerror(errno));
    }
    got += std::size_t(n);
  }
  std::string suffix;
  for (unsigned char b : bytes) suffix += kAlphabet[b % (sizeof kAlphabet - 1)];
  return suffix;
}

}  // namespace

TemporaryFile::TemporaryFile(std::string target) : target_(std::move(target)) {
  namespace fs = std::filesystem;
  const fs::path target_path(target_);
  const fs::path dir = target_path.has_parent_path() ? target_path.parent_path() : fs::path(".");
  // Room for the dot and the suffix within NAME_MAX (255 bytes), however long the target's name.
  const std::string name = target_path.filename().string().substr(0, 200);
  for (int tries = 0;; ++tries) {
    std::string candidate = (dir / ("." + name + ".raws3-" + random_suffix())).string();
    const int fd = ::open(candidate.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      fd_ = FileDescriptor(fd);
      path_ = std::move(candidate);
      return;
    }
    if (errno != EEXIST || tries == 100) fail("cannot create a file in", dir.string());
  }
}

void TemporaryFile::commit() {
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
