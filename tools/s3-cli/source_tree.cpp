#include "source_tree.hpp"

#include "commands.hpp"
#include "interrupts.hpp"
#include "output.hpp"

namespace s3cli {

SourceTree::SourceTree(const Location& src, const Selection& selection)
    : src_(src), filters_(selection.filters), walk_options_{.follow_symlinks = selection.follow_symlinks} {
  const std::string& name = src.is_s3() ? src.key : src.path;
  if (!selection.raw && has_wildcard(name)) wildcard_.emplace(name);
  if (src.is_s3()) {
    root_ = wildcard_ ? wildcard_->base() : directory_prefix(src.key);
  } else {
    root_ = wildcard_ ? wildcard_->base() : src.path;
    if (root_.empty()) root_ = ".";
    if (root_.size() > 1 && root_.ends_with('/')) root_.pop_back();
  }
}

bool SourceTree::selects(std::string_view relative) const {
  return (!wildcard_ || wildcard_->matches(relative)) && filters_.selects(relative);
}

std::uint64_t SourceTree::for_each(Context& ctx, const std::function<void(SourceItem)>& visit,
                                   const raws3::WalkSkip& skipped) const {
  return src_.is_s3() ? objects(ctx, visit) : files(visit, skipped);
}

std::uint64_t SourceTree::objects(Context& ctx, const std::function<void(SourceItem)>& visit) const {
  raws3::ListOptions listing;
  listing.prefix = wildcard_ ? wildcard_->literal() : root_;
  // A wildcard that stays in its first segment ("logs/*.gz") needs one level, not the tree below it.
  if (wildcard_ && !wildcard_->crosses_segments()) listing.delimiter = "/";
  std::uint64_t selected = 0;
  for_each_page(ctx, src_.service, src_.bucket, listing, [&](const raws3::ListObjectsPage& page) {
    for (const raws3::ObjectInfo& object : page.objects) {
      if (Interrupts::received()) throw raws3::Cancelled("interrupted");
      std::string relative = object.key.substr(root_.size());
      if (!selects(relative)) continue;
      ++selected;
      visit({raws3::Place::object(src_.bucket, object.key), std::move(relative), object.size, object.last_modified,
             object.etag});
    }
  });
  return selected;
}

std::uint64_t SourceTree::files(const std::function<void(SourceItem)>& visit, const raws3::WalkSkip& skipped) const {
  std::uint64_t selected = 0;
  // A wildcard's walk passes over much it was never asked for: only what it would select is reported.
  const std::string below = root_ == "/" ? root_ : root_ + "/";
  raws3::DirectoryWalk walk(root_, walk_options_, [&](const std::string& path, const std::string& why) {
    if (!wildcard_ || (path.starts_with(below) && selects(std::string_view(path).substr(below.size())))) skipped(path, why);
  });
  while (std::optional<raws3::WalkedFile> file = walk.next()) {
    if (Interrupts::received()) throw raws3::Cancelled("interrupted");
    if (!selects(file->relative)) continue;
    ++selected;
    visit({raws3::Place::file(std::move(file->path)), std::move(file->relative), file->size});
  }
  return selected;
}

bool names_tree(const Location& src, bool recursive, const Selection& selection) {
  if (recursive) return true;
  return !selection.raw && !src.is_stdio() && has_wildcard(src.is_s3() ? src.key : src.path);
}

int report_unmatched(Context& ctx, const Location& src) {
  report_error(ctx.command(), src.text, src.is_s3() ? "no object matches" : "no file matches");
  return kFailure;
}

}  // namespace s3cli
