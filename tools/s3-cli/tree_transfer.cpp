#include "tree_transfer.hpp"

#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "interrupts.hpp"
#include "source_tree.hpp"

namespace s3cli {

namespace fs = std::filesystem;

// ETags as servers write them, with or without their quotes.
std::string_view unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') return etag.substr(1, etag.size() - 2);
  return etag;
}

std::uint64_t feed_tree(Context& ctx, TreeTransfer& tree, const Location& src, const Location& dst,
                        const Selection& selection, bool move) {
  const SourceTree source(src, selection);
  const std::uint64_t selected = source.for_each(
      ctx,
      [&](SourceItem item) {
        // "dir/" markers hold no data; locally they are the directories that the files create anyway.
        if (dst.is_file() && (item.relative.empty() || item.relative.ends_with('/'))) return;
        tree.note(ctx.attempt(tree.text_of(item.place), [&] {
          raws3::Place to = dst.is_s3() ? raws3::Place::object(dst.bucket, directory_prefix(dst.key) + item.relative)
                                        : raws3::Place::file(local_path_for(dst.path, item.relative));
          std::optional<MoveCheck> check;
          if (move) check = MoveCheck{item.size, item.etag};
          tree.add({std::move(item.place), std::move(to), item.size, std::move(item.last_modified)}, std::move(check));
        }));
      },
      [&](const std::string& path, const std::string& why) { tree.note(report_skip(ctx, path, why)); });
  if (selected == 0 && source.is_wildcard()) tree.note(report_unmatched(ctx, src));
  return selected;
}

// A key, or the part of it under a prefix, as a path below dir. Keys may hold "..", "." or empty segments
// ("a//b", a leading '/'): empty segments are dropped, and a key that would leave dir is refused.
std::string local_path_for(const std::string& dir, std::string_view relative_key) {
  fs::path path(dir);
  bool named = false;
  std::size_t start = 0;
  while (start <= relative_key.size()) {
    const std::size_t slash = std::min(relative_key.find('/', start), relative_key.size());
    const std::string_view part = relative_key.substr(start, slash - start);
    if (part == "." || part == "..") {
      throw raws3::FileError("key \"" + std::string(relative_key) + "\" cannot be a local file name");
    }
    if (!part.empty()) {
      path /= std::string(part);
      named = true;
    }
    start = slash + 1;
  }
  if (!named) throw UsageError("key \"" + std::string(relative_key) + "\" has no file name: name the destination file");
  return path.string();
}

std::string TreeTransfer::text_of(const raws3::Place& place) const {
  return place.is_object() ? s3_location(place.bucket, place.key, service_).text : place.path;
}

int report_skip(Context& ctx, const std::string& path, const std::string& why) {
  const bool harmless = why == "empty directory" || why == "symlink loop" || why == "symlink (not followed)";
  if (harmless) {
    if (!ctx.options().quiet) Console::instance().err("warning: skipping " + path + ": " + why);
    return kSuccess;
  }
  report_error(ctx.command(), path, why);
  return kFailure;
}

TreeTransfer::TreeTransfer(Context& ctx, raws3::Service service, std::string label, const ObjectAttributes& object)
    : ctx_(ctx),
      service_(service),
      results_(ctx.options().json, ctx.options().quiet),
      progress_(ctx.progress_enabled(false), std::move(label)),
      queue_(ctx.client(service),
             [&] {
               raws3::TransferOptions options{.put = object.put,
                                              .guess_content_type = object.guess_content_type,
                                              .copy = object.copy,
                                              .progress = [this](std::uint64_t n) { progress_.add_done(n); }};
               options.put.checksum = checksum_of(ctx.options());
               return options;
             }(),
             [this](const raws3::TransferItem& item, std::exception_ptr error, const raws3::TransferResult& result) {
               ended(item, error, result);
             }) {
  if (ctx.ranks().size() > 1 && ctx.ranks().is_root()) {
    handout_.emplace(
        ctx.ranks(), [this](raws3::TransferItem item) { queue_here(std::move(item)); },
        [](std::string_view lines) {
          try {
            Console::instance().out_lines(lines);
          } catch (const std::exception&) {
            // stdout's failure is recorded; the feed stops at its next add().
          }
        });
  } else if (ctx.ranks().size() > 1) {
    Console::instance().hold_out();
  }
}

void TreeTransfer::ended(const raws3::TransferItem& item, std::exception_ptr error, const raws3::TransferResult& result) {
  progress_.file_done();
  const std::string source = text_of(item.source);
  std::optional<MoveCheck> move;
  {
    std::lock_guard lock(moves_mutex_);
    if (auto it = moving_.find(move_key(item)); it != moving_.end()) {
      move = std::move(it->second);
      moving_.erase(it);
    }
  }
  // The S3 side names an upload's failure; downloads and copies name their source.
  const std::string target = item.source.is_object() ? source : text_of(item.destination);
  if (error) {
    note(ctx_.attempt(target, [&] { std::rethrow_exception(error); }));
    return;
  }
  note(ctx_.attempt(target, [&] {
    const char* op = item.source.is_object() ? (item.destination.is_object() ? "copy" : "download") : "upload";
    if (move) {
      verify(item, result, *move);
      if (item.source.is_object()) {
        std::lock_guard lock(moves_mutex_);
        moved_.push_back({item.source.bucket, item.source.key, text_of(item.destination), result.size});
        return;
      }
      if (::unlink(item.source.path.c_str()) != 0) throw raws3::FileError("copied, but cannot remove " + source + ": " + std::strerror(errno));
      op = "move";
    }
    results_.add({.op = op, .source = source, .destination = text_of(item.destination), .size = result.size,
                  .etag = result.etag});
  }));
}

std::string TreeTransfer::move_key(const raws3::TransferItem& item) const {
  return text_of(item.source) + '\n' + text_of(item.destination);
}

void TreeTransfer::verify(const raws3::TransferItem& item, const raws3::TransferResult& result,
                          const MoveCheck& check) const {
  auto keep = [](const std::string& why) { throw raws3::IntegrityError("the source is kept: " + why); };
  if (check.size && result.size != *check.size) {
    keep(text_of(item.destination) + " has " + std::to_string(result.size) + " bytes, the source " +
         std::to_string(*check.size));
  }
  // A multipart object's ETag is not its MD5, and a copy made in parts (UploadPartCopy, each part conditional
  // on the source's ETag) answers with a multipart one.
  const bool single_part = !check.etag.empty() && check.etag.find('-') == std::string::npos &&
                           result.etag.find('-') == std::string::npos;
  if (item.source.is_object() && item.destination.is_object() && single_part &&
      unquoted(check.etag) != unquoted(result.etag)) {
    keep("the copy's ETag " + result.etag + " is not the listed " + check.etag);
  }
}

void TreeTransfer::remove_moved(bool all) {
  std::vector<Moved> batch;
  {
    std::lock_guard lock(moves_mutex_);
    if (moved_.empty() || (!all && moved_.size() < kDeleteBatch)) return;
    batch.swap(moved_);
  }
  // A batch file may move objects of several buckets: one DeleteObjects call per bucket.
  std::stable_sort(batch.begin(), batch.end(), [](const Moved& a, const Moved& b) { return a.bucket < b.bucket; });
  for (std::size_t from = 0; from < batch.size();) {
    std::size_t to = from;
    std::vector<std::string> keys;
    while (to < batch.size() && batch[to].bucket == batch[from].bucket) keys.push_back(batch[to++].key);
    const std::string& bucket = batch[from].bucket;
    note(delete_keys(
        ctx_, service_, bucket, keys,
        [&](std::size_t i) {
          const Moved& m = batch[from + i];
          results_.add({.op = "move", .source = s3_location(bucket, m.key, service_).text, .destination = m.destination,
                        .size = m.size});
        },
        "copied, but not removed: "));
    from = to;
  }
}

void TreeTransfer::add(raws3::TransferItem item, std::optional<MoveCheck> move) {
  if (Interrupts::received()) throw raws3::Cancelled("interrupted");
  if (Console::instance().stdout_closed()) throw StdoutClosed();
  if (handout_) {  // main refuses mv as a job: an item here is never a move
    handout_->add(std::move(item));
    return;
  }
  remove_moved(false);
  if (move) {
    std::lock_guard lock(moves_mutex_);
    moving_[move_key(item)] = std::move(*move);
  }
  progress_.found(item.size);
  queue_.add(std::move(item));
}

void TreeTransfer::queue_here(raws3::TransferItem item) noexcept {
  // After SIGINT the rest of the hand-out is passed over quietly: the command ends as interrupted.
  if (Interrupts::received()) return;
  note(ctx_.attempt(text_of(item.source), [&] {
    progress_.found(item.size);
    queue_.add(std::move(item));
  }));
}

void TreeTransfer::wait() {
  Ranks& ranks = ctx_.ranks();
  const bool collective = !joined_ && ranks.size() > 1;
  joined_ = true;
  if (collective) {
    if (handout_) {
      handout_->finish();
    } else {
      note(ctx_.attempt("rank 0's hand-out", [&] {
        take_handouts(
            ranks, [this](raws3::TransferItem item) { queue_here(std::move(item)); },
            [] { return Console::instance().take_held(); });
      }));
    }
  }
  progress_.found_all();
  queue_.wait();
  remove_moved(true);
  if (!collective) return;
  // The lines of the transfers that ended after a rank's last request.
  const std::vector<std::string> held = ranks.gather(Console::instance().take_held());
  for (const std::string& lines : held) note(ctx_.attempt("stdout", [&] { Console::instance().out_lines(lines); }));
  note(ranks.max_of(worst()));
}

void TreeTransfer::finish_results() {
  Ranks& ranks = ctx_.ranks();
  const Results::Totals mine = results_.totals();
  if (ranks.size() == 1) return results_.finish();
  const std::vector<std::string> texts = ranks.gather(std::to_string(mine.succeeded) + ' ' + std::to_string(mine.failed) +
                                                      ' ' + std::to_string(mine.bytes));
  if (!ranks.is_root()) return;
  Results::Totals job;
  std::vector<Results::Totals> each;
  for (const std::string& text : texts) {
    Results::Totals& t = each.emplace_back();
    std::istringstream(text) >> t.succeeded >> t.failed >> t.bytes;
    job.succeeded += t.succeeded;
    job.failed += t.failed;
    job.bytes += t.bytes;
  }
  results_.finish(job, each);
}

void TreeTransfer::note(int rc) noexcept {
  int seen = worst_.load();
  while (rc > seen && !worst_.compare_exchange_weak(seen, rc)) {
  }
}

}  // namespace s3cli
