#include "selection_options.hpp"

#include <map>

namespace s3cli {

void add_selection_options(CLI::App* sub, Selection& selection, bool wildcards, bool filters, bool local_trees) {
  if (wildcards)
    sub->add_flag("--raw", selection.raw, "Take '*' and '?' in the source as part of its name, not as wildcards");
  if (local_trees)
    sub->add_flag("--no-follow-symlinks{false}", selection.follow_symlinks,
                  "Skip the symlinks of a local tree (each reported) instead of following them");
  if (!filters) return;
  sub->add_option("--exclude", "Leave out names below the source matching this pattern (repeatable; the last "
                               "matching --exclude or --include decides)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  sub->add_option("--include", "Keep names matching this pattern that an earlier --exclude left out (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void collect_filters(CLI::App& sub, Filters& filters) {
  std::map<const CLI::Option*, std::size_t> used;
  for (const CLI::Option* option : sub.parse_order()) {
    const std::string name = option->get_name();
    if (name != "--include" && name != "--exclude") continue;
    const std::string& pattern = option->results().at(used[option]++);
    if (name == "--include")
      filters.include(pattern);
    else
      filters.exclude(pattern);
  }
}

}  // namespace s3cli
