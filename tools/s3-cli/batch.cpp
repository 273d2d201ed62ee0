// run FILE|-: s5cmd's batch of commands, one a line — cp, mv and rm with the arguments and flags they take
// on the command line (-r, wildcards, --raw, --exclude, --include). Every transfer of every line runs
// through one window (one TreeTransfer), so a file of a million single-object lines moves at the rate of
// one cp -r; single-key rm lines are gathered into DeleteObjects batches. Lines are read in order, but
// their transfers overlap, as in s5cmd: a line that needs an earlier line's result (cp a b, then cp b c)
// belongs in a second batch. A bad line is reported with its number and the others still run.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "interrupts.hpp"
#include "location.hpp"
#include "output.hpp"
#include "selection_options.hpp"
#include "source_tree.hpp"
#include "tree_transfer.hpp"

namespace s3cli {
namespace {

struct Line {
  std::string command;
  std::string source;
  std::string destination;
  bool recursive = false;
  Selection selection{};
};

// One line, parsed as the command line would be (CLI11's own quoting: "..." and '...').
Line parse_line(const std::string& text) {
  Line line;
  const std::size_t start = text.find_first_not_of(" \t");
  const std::string word = text.substr(start, text.find_first_of(" \t", start) - start);
  if (word != "cp" && word != "mv" && word != "rm") {
    throw UsageError("'" + word + "' cannot run in a batch (cp, mv and rm can)");
  }
  CLI::App app{"a line of a batch file"};
  app.require_subcommand(1);
  CLI::App* sub = app.add_subcommand(word);
  if (word == "rm") {
    sub->add_option("URL", line.source)->required();
  } else {
    sub->add_option("SRC", line.source)->required();
    sub->add_option("DEST", line.destination)->required();
  }
  sub->add_flag("-r,--recursive", line.recursive);
  add_selection_options(sub, line.selection, true, true, word != "rm");
  try {
    app.parse(text, false);
  } catch (const CLI::ParseError& e) {
    throw UsageError(e.what());
  }
  collect_filters(*sub, line.selection.filters);
  line.command = word;
  return line;
}

class Batch {
 public:
  explicit Batch(Context& ctx) : ctx_(ctx), tree_(ctx, raws3::Service::S3, "run", ObjectAttributes{.guess_content_type = true}) {}

  void run(const std::string& text) {
    const Line line = parse_line(text);
    if (line.command == "rm") return remove(line);
    const Location src = locate(line.source);
    const Location dst = locate(line.destination);
    const bool move = line.command == "mv";
    if (!names_tree(src, line.recursive, line.selection)) return feed_one(tree_, src, dst, move);
    if (!src.is_s3() && !dst.is_s3()) throw UsageError("a batch copies to or from s3://, not between local paths");
    if (src.is_stdio() || dst.is_stdio()) throw UsageError("a batch names files and objects, not \"-\"");
    feed_tree(ctx_, tree_, src, dst, line.selection, move);
  }

  // The single-key deletes still gathered, then every transfer.
  void finish() {
    for (auto& [bucket, keys] : deletes_) flush(bucket, keys);
    tree_.wait();
  }

  TreeTransfer& tree() noexcept { return tree_; }

 private:
  void remove(const Line& line) {
    const Location where = locate_s3(line.source);
    if (names_tree(where, line.recursive, line.selection)) {
      tree_.note(remove_objects(ctx_, where, line.selection, tree_.results()));
      return;
    }
    require_key(where);
    std::vector<std::string>& keys = deletes_[where.bucket];
    keys.push_back(where.key);
    if (keys.size() == kDeleteBatch) flush(where.bucket, keys);
  }

  void flush(const std::string& bucket, std::vector<std::string>& keys) {
    if (keys.empty()) return;
    tree_.note(delete_keys(ctx_, raws3::Service::S3, bucket, keys, [&](std::size_t i) {
      tree_.results().add({.op = "delete", .source = s3_location(bucket, keys[i]).text});
    }));
    keys.clear();
  }

  Context& ctx_;
  TreeTransfer tree_;
  std::map<std::string, std::vector<std::string>> deletes_;  // single-key rm lines by bucket, < kDeleteBatch each
};

}  // namespace

int run_batch(Context& ctx, const BatchArgs& args) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (args.file != "-") {
    file.open(args.file);
    if (!file) throw raws3::FileError(args.file + ": " + std::strerror(errno));
    in = &file;
  }
  ctx.check_upload_part_size();
  Batch batch(ctx);
  TreeTransfer& tree = batch.tree();
  tree.note(ctx.attempt(args.file, [&] {
    std::string text;
    for (std::size_t number = 1; std::getline(*in, text); ++number) {
      if (Interrupts::received()) throw raws3::Cancelled("interrupted");
      if (Console::instance().stdout_closed()) throw StdoutClosed();
      const std::size_t start = text.find_first_not_of(" \t\r");
      if (start == std::string::npos || text[start] == '#') continue;
      if (text.back() == '\r') text.pop_back();
      tree.note(ctx.attempt(args.file + ":" + std::to_string(number), [&] { batch.run(text); }));
    }
    if (in->bad()) throw raws3::FileError(args.file + ": read failed");
    batch.finish();
  }));
  batch.finish();
  tree.results().finish();
  return tree.worst();
}

}  // namespace s3cli
