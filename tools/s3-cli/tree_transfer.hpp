// What cp -r and sync share: a transfer queue over the context's client, the result lines and the
// progress line it feeds, and the worst exit code of everything it did.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "context.hpp"
#include "location.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "raws3/transfer.hpp"

namespace s3cli {

class TreeTransfer {
 public:
  // op names every transfer in result lines: upload, download or copy.
  TreeTransfer(Context& ctx, std::string label, const char* op, raws3::PutOptions object);

  // Queues item, waiting while the window is full; after SIGINT, throws raws3::Cancelled instead (the
  // client would fail it at once).
  void add(raws3::TransferItem item);
  // Waits for every transfer; the progress line then goes.
  void wait();
  // Keeps the worst of the exit codes seen.
  void note(int rc) noexcept;
  int worst() const noexcept { return worst_.load(); }
  bool failed() const noexcept { return worst_.load() != kSuccess; }

  Results& results() noexcept { return results_; }
  Progress& progress() noexcept { return progress_; }

 private:
  Context& ctx_;
  const char* op_;
  Results results_;
  Progress progress_;
  std::atomic<int> worst_{kSuccess};
  raws3::TransferQueue queue_;
};

// What --content-type and --metadata ask of the objects an upload creates; a UsageError when they are
// given to anything but an upload.
raws3::PutOptions object_options(const TransferArgs& args, const Location& src, const Location& dst);

// "s3://bucket/key" for an object, the path for a file.
std::string text_of(const raws3::Place& place);
// What a walk passes over: a warning where nothing was asked for (an empty directory, a symlink not to be
// followed, a loop's second visit), else an error line; returns the exit code it means.
int report_skip(Context& ctx, const std::string& path, const std::string& why);
// A key, or the part of it under a prefix, as a path below dir (a UsageError or FileError when it cannot
// be one: "..", ".", no name at all).
std::string local_path_for(const std::string& dir, std::string_view relative_key);

}  // namespace s3cli
