// A command's source as a stream of what it names: every object under a prefix or file under a
// directory, or those a wildcard selects, narrowed by --include / --exclude. Listing pages and directory
// entries are read as the stream goes, never the whole tree at once. cp -r, mv, rm and ls read sources
// through it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "context.hpp"
#include "location.hpp"
#include "raws3/directory_walk.hpp"
#include "raws3/transfer.hpp"
#include "selection.hpp"

namespace s3cli {

struct SourceItem {
  raws3::Place place;
  std::string relative;  // below the source's root: what a destination names it by
  std::uint64_t size = 0;
  std::string last_modified{};  // an object's, as listed
  std::string etag{};           // an object's, as listed
};

class SourceTree {
 public:
  // src: an s3:// prefix or a local directory, or a wildcard in either (unless selection.raw).
  SourceTree(const Location& src, const Selection& selection);

  bool is_wildcard() const noexcept { return wildcard_.has_value(); }
  // Every selected item in listing order, from the thread that calls it. "dir/" markers are items too
  // (relative ending in '/'); a local walk's skips go to skipped. Returns how many were selected.
  std::uint64_t for_each(Context& ctx, const std::function<void(SourceItem)>& visit,
                         const raws3::WalkSkip& skipped) const;

 private:
  bool selects(std::string_view relative) const;
  std::uint64_t objects(Context& ctx, const std::function<void(SourceItem)>& visit) const;
  std::uint64_t files(const std::function<void(SourceItem)>& visit, const raws3::WalkSkip& skipped) const;

  Location src_;
  const Filters& filters_;
  raws3::WalkOptions walk_options_;
  std::optional<Wildcard> wildcard_;
  std::string root_;  // the listing prefix or directory the relative names are below
};

// Whether a source asks for a tree: --recursive, or a wildcard in its key or path (not with --raw).
bool names_tree(const Location& src, bool recursive, const Selection& selection);
// A wildcard that selected nothing: the command did none of what it was asked, said in one line.
int report_unmatched(Context& ctx, const Location& src);

}  // namespace s3cli
