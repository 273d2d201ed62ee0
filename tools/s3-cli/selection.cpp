#include "selection.hpp"

#include <algorithm>

namespace s3cli {
namespace {

enum class Token { Char, One, Star, GlobStar, GlobStarSlash };

struct Piece {
  Token token;
  char c = 0;
};

std::vector<Piece> tokenize(std::string_view pattern, bool star_crosses_slash) {
  std::vector<Piece> pieces;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '?') {
      pieces.push_back({Token::One});
    } else if (c != '*') {
      pieces.push_back({Token::Char, c});
    } else if (i + 1 < pattern.size() && pattern[i + 1] == '*') {
      ++i;
      while (i + 1 < pattern.size() && pattern[i + 1] == '*') ++i;
      const bool segment_start = i < 2 || pattern[i - 2] == '/';
      if (segment_start && i + 1 < pattern.size() && pattern[i + 1] == '/') {
        ++i;
        pieces.push_back({Token::GlobStarSlash});
      } else {
        pieces.push_back({Token::GlobStar});
      }
    } else {
      pieces.push_back({star_crosses_slash ? Token::GlobStar : Token::Star});
    }
  }
  return pieces;
}

}  // namespace

bool has_wildcard(std::string_view text) noexcept { return text.find_first_of("*?") != std::string_view::npos; }

// Row by row from the pattern's end: next[j] says whether the pieces after this one match name[j..], so
// the work is pieces × name length whatever the stars, with no backtracking.
bool wildcard_match(std::string_view pattern, std::string_view name, bool star_crosses_slash) {
  const std::vector<Piece> pieces = tokenize(pattern, star_crosses_slash);
  const std::size_t m = name.size();
  std::vector<char> next(m + 1, 0), cur(m + 1, 0);
  next[m] = 1;
  for (std::size_t i = pieces.size(); i-- > 0;) {
    const Piece& p = pieces[i];
    bool slash_later = false;  // GlobStarSlash: some '/' at or after j ends a run the rest matches after
    for (std::size_t j = m + 1; j-- > 0;) {
      const bool here = j < m;
      switch (p.token) {
        case Token::Char:
          cur[j] = here && name[j] == p.c && next[j + 1];
          break;
        case Token::One:
          cur[j] = here && (star_crosses_slash || name[j] != '/') && next[j + 1];
          break;
        case Token::Star:
          cur[j] = next[j] || (here && name[j] != '/' && cur[j + 1]);
          break;
        case Token::GlobStar:
          cur[j] = next[j] || (here && cur[j + 1]);
          break;
        case Token::GlobStarSlash:
          slash_later = here && ((name[j] == '/' && next[j + 1]) || slash_later);
          cur[j] = next[j] || slash_later;
          break;
      }
    }
    std::swap(next, cur);
  }
  return next[0] != 0;
}

Wildcard::Wildcard(std::string_view pattern) {
  const std::size_t first = std::min(pattern.find_first_of("*?"), pattern.size());
  literal_ = std::string(pattern.substr(0, first));
  const std::size_t slash = literal_.rfind('/');
  base_ = slash == std::string::npos ? std::string() : literal_.substr(0, slash + 1);
  rest_ = std::string(pattern.substr(base_.size()));
  crosses_ = rest_.find('/') != std::string::npos || rest_.find("**") != std::string::npos;
}

bool Wildcard::matches(std::string_view relative) const { return wildcard_match(rest_, relative, false); }

bool Filters::selects(std::string_view relative) const {
  for (auto rule = rules_.rbegin(); rule != rules_.rend(); ++rule) {
    if (wildcard_match(rule->pattern, relative, true)) return rule->include;
  }
  return true;
}

}  // namespace s3cli
