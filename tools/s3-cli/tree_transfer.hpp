// What cp -r, mv, sync and run share: a transfer queue over the context's client, the result lines and the
// progress line it feeds, and the worst exit code of everything it did. Under mpirun (cp -r and sync), rank
// 0 feeds it and hands what it is fed out to every rank (handout.hpp); the exit code and the summary are
// the job's.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands.hpp"
#include "context.hpp"
#include "handout.hpp"
#include "location.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "raws3/transfer.hpp"
#include "selection.hpp"

namespace s3cli {

// What a command asks of the objects it creates: uploads' attributes (with the content type guessed from
// each file's name when none is given), and whether copies within S3 keep the source's or take these.
struct ObjectAttributes {
  raws3::PutOptions put{};
  bool guess_content_type = false;
  raws3::CopyOptions copy{};
};

// From --content-type, --metadata, --storage-class, --cache-control, --content-encoding,
// --metadata-directive and --no-guess-mime-type; a UsageError where they cannot apply (a download; a copy
// within S3 without --metadata-directive REPLACE, which only --storage-class needs not).
ObjectAttributes object_options(const TransferArgs& args, const Location& src, const Location& dst);

// What the source of a move was when it was listed or walked, for the check before it is removed.
struct MoveCheck {
  std::optional<std::uint64_t> size{};  // unknown for a single key named in a batch file
  std::string etag{};                   // an object's, as listed
};

class TreeTransfer {
 public:
  // service: whose objects it moves (tree_service).
  TreeTransfer(Context& ctx, raws3::Service service, std::string label, const ObjectAttributes& object);
  raws3::Service service() const noexcept { return service_; }
  // A place as results and errors name it: s3://bucket/key (az://container/blob), or the path.
  std::string text_of(const raws3::Place& place) const;

  // Queues item, waiting while the window is full; after SIGINT or once stdout's reader has gone, throws
  // instead. Result lines name it upload, download or copy by its ends. With a MoveCheck it is a move: its
  // source is removed once the copy is verified (the size that arrived is the size listed or walked, and a
  // server-side copy of a single-part object answers with the listed ETag), else kept.
  void add(raws3::TransferItem item, std::optional<MoveCheck> move = std::nullopt);
  // Whether this process lists and compares, feeding add(): alone, or rank 0 of a job.
  bool feeds() const noexcept { return ctx_.ranks().is_root(); }
  // Waits for every transfer (and the moves' removals); the progress line then goes. In a job, the first
  // call is collective: rank 0 hands out the rest and tells the others there is no more, the others take
  // batches until then, and every rank's worst() is then the job's.
  void wait();
  // The summary line (--json) of the whole job, on rank 0.
  void finish_results();
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
  // The move's check, on the loop thread that reports the transfer; throws when the source must stay.
  void verify(const raws3::TransferItem& item, const raws3::TransferResult& result, const MoveCheck& check) const;
  std::string move_key(const raws3::TransferItem& item) const;
  // Deletes the object sources whose copies were verified, a DeleteObjects batch at a time, from the
  // thread feeding the queue (never a loop thread).
  void remove_moved(bool all);
  // One transfer into this rank's queue: what the hand-out runs.
  void queue_here(raws3::TransferItem item) noexcept;

  Context& ctx_;
  const raws3::Service service_;
  Results results_;
  Progress progress_;
  std::atomic<int> worst_{kSuccess};
  std::mutex moves_mutex_;
  // Moves in flight, by move_key: a batch may copy one source to two places and move it to a third.
  std::unordered_map<std::string, MoveCheck> moving_;
  std::vector<Moved> moved_;                            // verified, source object still to delete
  raws3::TransferQueue queue_;
  std::optional<Handout> handout_;  // rank 0 of a job; after queue_, which it feeds from its thread
  bool joined_ = false;             // the job's collective wait has been made
};

// One file or object from src to dst (a "directory" destination gets the source's name), as cp or mv of
// one key does, into tree: what a line of a batch file adds. A UsageError for "-", local-to-local or a
// stream.
void feed_one(TreeTransfer& tree, const Location& src, const Location& dst, bool move);
// Every file or object a source names (one, a tree, or a wildcard's selection) into tree, its name below
// the source kept below dst; each a move when move. Returns how many the source selected.
std::uint64_t feed_tree(Context& ctx, TreeTransfer& tree, const Location& src, const Location& dst,
                        const Selection& selection, bool move);


// An ETag as servers write it, without its quotes (some send none).
std::string_view unquoted(std::string_view etag);
// What a walk passes over: a warning where nothing was asked for (an empty directory, a symlink not to be
// followed, a loop's second visit), else an error line; returns the exit code it means.
int report_skip(Context& ctx, const std::string& path, const std::string& why);
// A key, or the part of it under a prefix, as a path below dir (a UsageError or FileError when it cannot
// be one: "..", ".", no name at all).
std::string local_path_for(const std::string& dir, std::string_view relative_key);

}  // namespace s3cli
