// A file written under a unique name beside its target, so that the target changes only once the whole
// file is there: commit() renames it into place, and a file never committed is removed.
#pragma once

#include <string>
#include <utility>

#include "io/file_descriptor.hpp"

namespace raws3::io {

class TemporaryFile {
 public:
  // Creates ".<name>.raws3-<random>" in the target's directory, which must exist. The file is created with
  // mode 0666 and the kernel applies the umask (or the directory's default ACL), so it gets the permissions
  // a plain create of the target would have given it; no umask() call, which is process-wide and would race
  // with other threads creating files. Throws raws3::FileError naming the directory.
  explicit TemporaryFile(std::string target);
  TemporaryFile(TemporaryFile&& other) noexcept
      : fd_(std::move(other.fd_)), path_(std::exchange(other.path_, {})), target_(std::move(other.target_)) {}
  TemporaryFile& operator=(TemporaryFile&&) = delete;
  ~TemporaryFile() { discard(); }

  int fd() const noexcept { return fd_.get(); }
  const std::string& path() const noexcept { return path_; }
  const std::string& target() const noexcept { return target_; }

  // Closes the file and renames it over the target. Throws raws3::FileError naming the target; the
  // temporary is then still removed by discard() or the destructor.
  void commit();
  // Closes and removes the file unless it was committed. Never throws.
  void discard() noexcept;

 private:
  FileDescriptor fd_;
  std::string path_;  // empty once committed or discarded
  std::string target_;
};

// The directories above path that are missing, made (as mkdir -p), for a file a copy is about to write.
// Throws raws3::FileError naming the directory.
void create_parent_directories(const std::string& path);

}  // namespace raws3::io
