// The command-line half of a Selection: --raw, --exclude and --include on a CLI11 (sub)command, shared by
// the commands themselves and the lines of a batch file.
#pragma once

#include <CLI/CLI.hpp>

#include "selection.hpp"

namespace s3cli {

// wildcards: the source may hold wildcards (--raw); filters: --exclude / --include; local_trees: a source
// may be a local tree (--no-follow-symlinks).
void add_selection_options(CLI::App* sub, Selection& selection, bool wildcards, bool filters, bool local_trees);
// After parsing: --include / --exclude into filters in the order given (their order is their meaning).
void collect_filters(CLI::App& sub, Filters& filters);

}  // namespace s3cli
