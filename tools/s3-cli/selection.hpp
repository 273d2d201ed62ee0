// Which names a command's source selects: wildcards in an s3:// key or a local path (s5cmd's form: list
// up to the first wildcard, match the rest), and awscli's --include / --exclude rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace s3cli {

// Whether text holds a wildcard ('*' or '?'); --raw takes such text literally instead.
bool has_wildcard(std::string_view text) noexcept;

// A wildcard over '/'-separated names, gsutil's rule: '?' is one character and '*' any run of characters
// within one segment; '**' is any run across segments, and "**/" also matches no segment at all, so
// "logs/**/x.gz" selects "logs/x.gz" too.
class Wildcard {
 public:
  explicit Wildcard(std::string_view pattern);

  // Up to the first wildcard: the narrowest listing prefix.
  const std::string& literal() const noexcept { return literal_; }
  // Up to the last '/' before the first wildcard: the directory (or key prefix) to read, and what the
  // selected names are relative to, as destinations keep them.
  const std::string& base() const noexcept { return base_; }
  // Whether a name below base() is selected.
  bool matches(std::string_view relative) const;
  // Whether a match may lie in a deeper segment than base(); when not, a listing can ask for one level.
  bool crosses_segments() const noexcept { return crosses_; }

 private:
  std::string literal_;
  std::string base_;
  std::string rest_;  // the pattern below base_
  bool crosses_ = false;
};

// awscli's --exclude and --include: each rule is matched against the whole name below the source, in the
// order given, and the last rule that matches decides; a name no rule matches is selected. As in awscli,
// '*' there matches '/' too ("--exclude '*.tmp'" excludes "a/b.tmp").
class Filters {
 public:
  void exclude(std::string pattern) { rules_.push_back({false, std::move(pattern)}); }
  void include(std::string pattern) { rules_.push_back({true, std::move(pattern)}); }
  bool empty() const noexcept { return rules_.empty(); }
  bool selects(std::string_view relative) const;

 private:
  struct Rule {
    bool include;
    std::string pattern;
  };
  std::vector<Rule> rules_;
};

// What a command line asks of its source beside the location: --include / --exclude, and --raw, which
// takes '*' and '?' in the source as part of its name.
struct Selection {
  Filters filters{};
  bool raw = false;
  bool follow_symlinks = true;  // a local tree's symlinks, followed as awscli does unless --no-follow-symlinks
};

// The shell-style match under both: star_crosses_slash makes '*' cross segments, as in Filters.
bool wildcard_match(std::string_view pattern, std::string_view name, bool star_crosses_slash);

}  // namespace s3cli
