// A file written where no one sees it until it is whole: commit() puts it at its target in one step, and a
// file never committed leaves nothing behind.
//
// Where the file system allows (ext4, xfs, btrfs, tmpfs), the file has no name at all until commit()
// links it in (O_TMPFILE), so even a process killed with SIGKILL leaves nothing. Elsewhere it is created
// under a unique hidden name beside its target and renamed into place; only a kill can leave that behind.
#pragma once

#include <string>
#include <utility>

#include "io/file_descriptor.hpp"

namespace raws3::io {

class TemporaryFile {
 public:
  // In the target's directory, which must exist. The file is created with mode 0666 and the kernel applies
  // the umask (or the directory's default ACL), so it gets the permissions a plain create of the target
  // would have given it; no umask() call, which is process-wide and would race with other threads
  // creating files. unnamed = false asks for the hidden name even where O_TMPFILE works (tests of that
  // path). Throws raws3::FileError naming the directory.
  explicit TemporaryFile(std::string target, bool unnamed = true);
  TemporaryFile(TemporaryFile&& other) noexcept
      : fd_(std::move(other.fd_)), path_(std::exchange(other.path_, {})), target_(std::move(other.target_)) {}
  TemporaryFile& operator=(TemporaryFile&&) = delete;
  ~TemporaryFile() { discard(); }

  int fd() const noexcept { return fd_.get(); }
  // The hidden name; empty for an unnamed file (and once committed or discarded).
  const std::string& path() const noexcept { return path_; }
  const std::string& target() const noexcept { return target_; }

  // Puts the file at the target (replacing what is there) and closes it. Throws raws3::FileError naming
  // the target; the target is then as it was, and the file is still removed by discard() or the destructor.
  void commit();
  // Closes and removes the file unless it was committed. Never throws.
  void discard() noexcept;

 private:
  FileDescriptor fd_;
  std::string path_;  // the hidden name; empty when unnamed, committed or discarded
  std::string target_;
};

// 12 characters of [a-z0-9] from the kernel's random pool: a name no other writer (thread or process)
// picks, and that no one can guess ahead of time. Throws raws3::FileError when the pool cannot be read.
std::string random_suffix();

// The directories above path that are missing, made (as mkdir -p), for a file a copy is about to write.
// Throws raws3::FileError naming the directory.
void create_parent_directories(const std::string& path);

}  // namespace raws3::io
