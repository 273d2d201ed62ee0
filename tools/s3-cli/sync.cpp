// sync SRC DST: copy what the destination lacks, or holds at another size or older (or, with --checksum,
// with another CRC32C), then (--delete) remove what only the destination has.
//
// Both sides are read as streams in the same order — the byte order of the names below the roots, which
// is an S3 listing's and DirectoryWalk's — and paired in step, as a merge: memory holds one listing page
// and one directory's entries per side, plus the names --delete will remove, whatever the tree's size.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/timestamp.hpp"
#include "commands.hpp"
#include "interrupts.hpp"
#include "location.hpp"
#include "output.hpp"
#include "raws3/directory_walk.hpp"
#include "raws3/object_checksum.hpp"
#include "tree_transfer.hpp"

namespace s3cli {
namespace {

struct Entry {
  std::string relative;
  std::uint64_t size = 0;
  std::int64_t mtime_s = 0;       // seconds: S3 keeps no finer Last-Modified
  std::string last_modified{};    // an object's, as listed
};

// One side of a sync, in order.
class Side {
 public:
  virtual ~Side() = default;
  virtual std::optional<Entry> next() = 0;
  // Where an entry of this name lives on this side.
  virtual raws3::Place place(const std::string& relative) const = 0;
};

class LocalSide final : public Side {
 public:
  // A destination directory that does not exist yet is an empty side.
  LocalSide(Context& ctx, TreeTransfer& tree, std::string root, bool may_be_missing, bool follow_symlinks)
      : root_(std::move(root)) {
    if (may_be_missing && ::access(root_.c_str(), F_OK) != 0 && errno == ENOENT) return;
    walk_.emplace(root_, raws3::WalkOptions{.follow_symlinks = follow_symlinks},
                  [&ctx, &tree](const std::string& path, const std::string& why) { tree.note(report_skip(ctx, path, why)); });
  }
  std::optional<Entry> next() override {
    if (!walk_) return std::nullopt;
    std::optional<raws3::WalkedFile> file = walk_->next();
    if (!file) return std::nullopt;
    return Entry{std::move(file->relative), file->size, file->mtime_ns / 1'000'000'000};
  }
  raws3::Place place(const std::string& relative) const override {
    return raws3::Place::file(local_path_for(root_, relative));
  }

 private:
  std::string root_;
  std::optional<raws3::DirectoryWalk> walk_;
};

class ObjectSide final : public Side {
 public:
  // markers: whether "dir/" keys (no data) count; not when the other side is local.
  ObjectSide(Context& ctx, raws3::Service service, std::string bucket, std::string prefix, bool markers)
      : pages_(ctx, service, bucket, [&] {
          raws3::ListOptions options;
          options.prefix = prefix;
          return options;
        }()),
        bucket_(std::move(bucket)),
        prefix_(std::move(prefix)),
        markers_(markers) {}

  std::optional<Entry> next() override {
    for (;;) {
      while (at_ == page_.objects.size()) {
        std::optional<raws3::ListObjectsPage> page = pages_.next();
        if (!page) return std::nullopt;
        page_ = std::move(*page);
        at_ = 0;
      }
      const raws3::ObjectInfo& object = page_.objects[at_++];
      std::string relative = object.key.substr(prefix_.size());
      if (!markers_ && (relative.empty() || relative.ends_with('/'))) continue;
      const auto at = raws3::auth::parse_iso8601(object.last_modified);
      const std::int64_t seconds =
          at ? std::chrono::duration_cast<std::chrono::seconds>(at->time_since_epoch()).count() : 0;
      return Entry{std::move(relative), object.size, seconds, object.last_modified};
    }
  }
  raws3::Place place(const std::string& relative) const override {
    return raws3::Place::object(bucket_, prefix_ + relative);
  }

 private:
  PageCursor pages_;
  std::string bucket_;
  std::string prefix_;
  bool markers_;
  raws3::ListObjectsPage page_;
  std::size_t at_ = 0;
};

std::unique_ptr<Side> side_for(Context& ctx, TreeTransfer& tree, const Location& where, bool other_is_local,
                               bool is_destination, const Selection& selection) {
  if (where.is_s3())
    return std::make_unique<ObjectSide>(ctx, where.service, where.bucket, directory_prefix(where.key), !other_is_local);
  return std::make_unique<LocalSide>(ctx, tree, where.path, is_destination, selection.follow_symlinks);
}

// awscli's rule: a different size, or a source newer than the destination; --size-only looks at sizes
// alone, --exact-timestamps (downloads) at any difference in time.
bool needs_copy(const SyncArgs& args, const Entry& source, const Entry& destination, bool download) {
  if (source.size != destination.size) return true;
  if (args.size_only) return false;
  if (download && args.exact_timestamps) return source.mtime_s != destination.mtime_s;
  return source.mtime_s > destination.mtime_s;
}

// --checksum: pairs of the same size wait here while their objects' HEADs (asking for the stored CRC32C)
// are in flight, up to the transfer window; the oldest is then settled on this thread, reading the local
// file where there is one. What differs, or cannot be compared, goes to copy.
class ChecksumChecks {
 public:
  ChecksumChecks(Context& ctx, TreeTransfer& tree, const Side& from, const Side& to,
                 std::function<void(const Entry&)> copy)
      : ctx_(ctx), tree_(tree), from_(from), to_(to), copy_(std::move(copy)),
        window_(std::max(1u, ctx.client(tree.service()).tuning().transfers)) {}

  void add(Entry entry) {
    if (pending_.size() >= window_) settle();
    Pending p{std::move(entry), {}, {}};
    p.source = head(from_.place(p.entry.relative));
    p.destination = head(to_.place(p.entry.relative));
    pending_.push_back(std::move(p));
  }
  void finish() {
    while (!pending_.empty()) settle();
  }

 private:
  struct Pending {
    Entry entry;
    std::future<raws3::HeadResult> source, destination;  // invalid for a file
  };

  std::future<raws3::HeadResult> head(const raws3::Place& place) {
    if (!place.is_object()) return {};
    return ctx_.client(tree_.service()).head_object_async(place.bucket, place.key, raws3::HeadOptions{.checksum = true});
  }

  void settle() {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    const raws3::Place source = from_.place(p.entry.relative);
    const raws3::Place destination = to_.place(p.entry.relative);
    bool differs = false;  // a pair that could not be compared was reported, and is left as it is
    tree_.note(ctx_.attempt(tree_.text_of(source), [&] {
      raws3::ChecksumMatch match;
      if (source.is_object() && destination.is_object())
        match = raws3::compare_objects(ctx_.client(tree_.service()), {source.bucket, source.key, p.source.get()},
                                       {destination.bucket, destination.key, p.destination.get()});
      else if (source.is_object())
        match = raws3::compare_file_with_object(ctx_.client(tree_.service()), destination.path, source.bucket, source.key, p.source.get());
      else
        match = raws3::compare_file_with_object(ctx_.client(tree_.service()), source.path, destination.bucket, destination.key,
                                                p.destination.get());
      differs = match != raws3::ChecksumMatch::Same;
    }));
    if (differs) copy_(p.entry);
  }

  Context& ctx_;
  TreeTransfer& tree_;
  const Side& from_;
  const Side& to_;
  std::function<void(const Entry&)> copy_;
  const std::size_t window_;
  std::deque<Pending> pending_;
};

// --delete's half, once every copy succeeded.
void remove_extra(Context& ctx, TreeTransfer& tree, const Side& destination, const std::vector<std::string>& extra,
                  bool dryrun) {
  std::vector<raws3::Place> places;
  for (const std::string& relative : extra) {
    tree.note(ctx.attempt(relative, [&] { places.push_back(destination.place(relative)); }));
  }
  if (dryrun || places.empty() || !places.front().is_object()) {
    for (const raws3::Place& place : places) {
      tree.note(ctx.attempt(tree.text_of(place), [&] {
        if (!dryrun && ::unlink(place.path.c_str()) != 0) throw raws3::FileError(place.path + ": " + std::strerror(errno));
        if (dryrun)
          Console::instance().out("(dryrun) delete: " + tree.text_of(place));
        else
          tree.results().add({.op = "delete", .source = tree.text_of(place)});
      }));
    }
    return;
  }
  std::vector<std::string> keys;
  for (const raws3::Place& place : places) keys.push_back(place.key);
  const std::string& bucket = places.front().bucket;
  tree.note(delete_keys(ctx, tree.service(), bucket, keys, [&](std::size_t i) {
    tree.results().add({.op = "delete", .source = s3_location(bucket, keys[i], tree.service()).text});
  }));
}

}  // namespace

int run_sync(Context& ctx, const SyncArgs& args, const Selection& selection) {
  const Location src = locate(args.transfer.source);
  const Location dst = locate(args.transfer.destination);
  if (src.is_stdio() || dst.is_stdio()) throw UsageError("sync works between directories and prefixes, not \"-\"");
  if (!src.is_s3() && !dst.is_s3()) throw UsageError("sync needs an s3:// location on at least one side");
  const ObjectAttributes object = object_options(args.transfer, src, dst);
  if (dst.is_s3() && !src.is_s3()) ctx.check_upload_part_size();
  const bool download = src.is_s3() && !dst.is_s3();
  const char* op = src.is_s3() ? (dst.is_s3() ? "copy" : "download") : "upload";

  TreeTransfer tree(ctx, tree_service(src, dst), ctx.command() + " " + src.text, object);
  std::vector<std::string> extra;  // names only the destination has
  tree.note(ctx.attempt(src.text, [&] {
    // In a job, rank 0 compares and hands out the transfers; the others only take them (wait()).
    if (!tree.feeds()) {
      tree.wait();
      return;
    }
    std::unique_ptr<Side> from = side_for(ctx, tree, src, dst.is_file(), false, selection);
    std::unique_ptr<Side> to = side_for(ctx, tree, dst, src.is_file(), true, selection);
    auto transfer = [&](const Entry& entry) {
      if (Interrupts::received()) throw raws3::Cancelled("interrupted");
      tree.note(ctx.attempt(tree.text_of(from->place(entry.relative)), [&] {
        raws3::TransferItem item{from->place(entry.relative), to->place(entry.relative), entry.size,
                                 entry.last_modified};
        if (args.dryrun) {
          Console::instance().out(std::string("(dryrun) ") + op + ": " + tree.text_of(item.source) + " to " +
                                  tree.text_of(item.destination));
          return;
        }
        tree.add(std::move(item));
      }));
    };
    // --exclude / --include hold on both sides, as in awscli: an excluded name is neither copied nor deleted.
    auto next = [&](Side& side) {
      std::optional<Entry> entry = side.next();
      while (entry && !selection.filters.selects(entry->relative)) entry = side.next();
      return entry;
    };
    std::optional<ChecksumChecks> checks;
    if (args.checksum) checks.emplace(ctx, tree, *from, *to, transfer);
    std::optional<Entry> s = next(*from);
    std::optional<Entry> d = next(*to);
    while (s || d) {
      if (d && (!s || d->relative < s->relative)) {
        if (args.delete_extra) extra.push_back(std::move(d->relative));
        d = next(*to);
      } else if (s && (!d || s->relative < d->relative)) {
        transfer(*s);
        s = next(*from);
      } else {
        if (checks && s->size == d->size)
          checks->add(std::move(*s));
        else if (needs_copy(args, *s, *d, download))
          transfer(*s);
        s = next(*from);
        d = next(*to);
      }
    }
    if (checks) checks->finish();
    tree.wait();
    // Deletes only after every copy succeeded: a failed copy must not cost the destination its old files.
    if (!extra.empty() && !tree.failed()) remove_extra(ctx, tree, *to, extra, args.dryrun);
  }));
  tree.wait();
  if (!extra.empty() && tree.failed())
    report_error(ctx.command(), dst.text, std::to_string(extra.size()) + " deletions not made: a copy failed");
  tree.finish_results();
  return tree.worst();
}

}  // namespace s3cli
