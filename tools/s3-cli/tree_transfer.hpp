// What cp -r, mv and sync share: a transfer queue over the context's client, the result lines and the
// progress line it feeds, and the worst exit code of everything it did.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands.hpp"
#include "context.hpp"
#include "location.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "raws3/transfer.hpp"

namespace s3cli {

class TreeTransfer {
 public:
  // op names every transfer in result lines: upload, download, copy or move. A move removes each source
  // once its copy is verified: the size that arrived is the size listed or walked, and a server-side copy
  // of a single-part object answers with the ETag the listing gave.
  TreeTransfer(Context& ctx, std::string label, const char* op, raws3::PutOptions object, bool move = false);

  // Queues item, waiting while the window is full; after SIGINT, throws raws3::Cancelled instead (the
  // client would fail it at once). listed_etag: a move's object source, as listed.
  void add(raws3::TransferItem item, const std::string& listed_etag = {});
  // Waits for every transfer (and a move's removals); the progress line then goes.
  void wait();
  // Keeps the worst of the exit codes seen.
  void note(int rc) noexcept;
  int worst() const noexcept { return worst_.load(); }
  bool failed() const noexcept { return worst_.load() != kSuccess; }

  Results& results() noexcept { return results_; }
  Progress& progress() noexcept { return progress_; }

 private:
  struct Moved {
    std::string bucket, key, destination;
    std::uint64_t size;
  };
  void ended(const raws3::TransferItem& item, std::exception_ptr error, const raws3::TransferResult& result);
  // A move's verification, on the loop thread that reports the transfer; throws when the source must stay.
  void verify(const raws3::TransferItem& item, const raws3::TransferResult& result);
  // Deletes the object sources whose copies were verified, a DeleteObjects batch at a time, from the
  // thread feeding the queue (never a loop thread).
  void remove_moved(bool all);

  Context& ctx_;
  const char* op_;
  bool move_;
  Results results_;
  Progress progress_;
  std::atomic<int> worst_{kSuccess};
  std::mutex moved_mutex_;
  std::unordered_map<std::string, std::string> listed_etags_;  // a move's copies in flight, by source key
  std::vector<Moved> moved_;                                   // verified, source object still to delete
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
