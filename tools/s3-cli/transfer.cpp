// get, put, cp and cat: moving bytes between S3, local files and stdin/stdout.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "commands.hpp"
#include "interrupts.hpp"
#include "raws3/directory_walk.hpp"
#include "raws3/transfer.hpp"
#include "location.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "tree_transfer.hpp"

namespace s3cli {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void throw_file_error(const std::string& what, int err) {
  throw raws3::FileError(what + ": " + std::strerror(err));
}

void write_stdout(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_file_error("stdout", errno);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

bool names_directory(const std::string& path) {
  return path.ends_with('/') || fs::is_directory(path);
}

std::uint64_t regular_file_size(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) throw_file_error(path, ec.value());
  if (fs::is_directory(status)) throw UsageError(path + " is a directory (use cp --recursive)");
  const std::uint64_t size = fs::file_size(path, ec);
  if (ec) throw_file_error(path, ec.value());
  return size;
}

// The object a single copy writes: a destination that is a "directory" (an S3 key ending in '/' or a bucket,
// a local directory or a path ending in '/') gets the source's file name, as cp(1) and awscli do.
Location resolve_destination(const Location& src, const Location& dst) {
  if (dst.is_stdio()) return dst;
  if (dst.is_s3()) {
    if (!dst.key.empty() && !dst.key.ends_with('/')) return dst;
    if (src.is_stdio()) throw UsageError("data from stdin needs a full key, not a prefix");
    const std::string name = src.is_s3() ? key_basename(src.key) : fs::path(src.path).filename().string();
    return s3_location(dst.bucket, dst.key + name);
  }
  if (!names_directory(dst.path)) return dst;
  if (src.is_s3()) return file_location(local_path_for(dst.path, key_basename(src.key)));
  return file_location((fs::path(dst.path) / fs::path(src.path).filename()).string());
}

const char* op_name(const Location& src, const Location& dst) {
  if (src.is_s3()) return dst.is_s3() ? "copy" : "download";
  return dst.is_s3() ? "upload" : "copy";
}

// The S3 side names a failure; a local copy names its source.
const std::string& target_of(const Location& src, const Location& dst) {
  return !src.is_s3() && dst.is_s3() ? dst.text : src.text;
}

void create_parent(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) throw_file_error(parent.string(), ec.value());
}

// One object or file from src to dst (both resolved), its bytes reported to progress as the library
// acknowledges them. A local destination's directory must exist: a mistyped path is an error, as with cp(1).
Outcome transfer_one(Context& ctx, const Location& src, const Location& dst, const raws3::PutOptions& object,
                     Progress& progress) {
  Progress::Share share(progress);
  auto report = [&share](std::uint64_t done, std::uint64_t total) { share.update(done, total); };
  const raws3::GetOptions get_options{.progress = report};
  raws3::PutOptions put_options = object;
  put_options.progress = report;
  put_options.checksum = checksum_of(ctx.options());

  Outcome outcome{.op = op_name(src, dst), .source = src.text, .destination = dst.text};
  auto take = [&outcome](const auto& result) {
    outcome.size = result.size;
    outcome.etag = result.etag;
  };
  if (src.is_s3() && dst.is_s3()) {
    outcome.etag = ctx.client().copy_object(src.bucket, src.key, dst.bucket, dst.key);
  } else if (src.is_s3() && dst.is_stdio()) {
    take(ctx.client().get_to(src.bucket, src.key, write_stdout, get_options));
  } else if (src.is_s3() && dst.is_file()) {
    take(ctx.client().get_to_file(src.bucket, src.key, dst.path, get_options));
  } else if (src.is_file() && dst.is_s3()) {
    regular_file_size(src.path);  // a missing file or a directory, said plainly before any request
    take(ctx.client().upload_file(dst.bucket, dst.key, src.path, put_options));
  } else if (src.is_stdio() && dst.is_s3()) {
    take(ctx.client().upload_stream(dst.bucket, dst.key, STDIN_FILENO, put_options));
  } else if (src.is_file() && dst.is_file()) {
    outcome.size = regular_file_size(src.path);
    fs::copy_file(src.path, dst.path, fs::copy_options::overwrite_existing);
  } else {
    throw UsageError("\"-\" needs an s3:// location on the other side");
  }
  if (outcome.size) share.update(*outcome.size, 0);
  return outcome;
}

int copy_single(Context& ctx, const Location& src, const Location& dst, const raws3::PutOptions& object) {
  require_key(src);
  Results results(ctx.options().json, ctx.options().quiet);
  const int rc = ctx.attempt(target_of(src, dst), [&] {
    const Location to = resolve_destination(src, dst);
    // Progress only where bytes cross between S3 and here: not for a server-side copy or stdin.
    const bool shows = (src.is_s3() && !to.is_s3()) || (src.is_file() && to.is_s3());
    Progress progress(shows && ctx.progress_enabled(to.is_stdio()),
                      std::string(op_name(src, to)) + " " + target_of(src, to),
                      src.is_file() ? regular_file_size(src.path) : 0, 1);
    Outcome outcome = transfer_one(ctx, src, to, object, progress);
    // With the data itself on stdout, a result line or JSON document there would corrupt it.
    if (!to.is_stdio()) results.add(std::move(outcome));
  });
  if (!dst.is_stdio()) results.finish();
  return rc;
}

// A local tree to another local place: no network, so no queue; one file after another.
int copy_local_tree(Context& ctx, const Location& src, const Location& dst, Results& results, Progress& progress) {
  int worst = kSuccess;
  raws3::walk_directory(
      src.path, {},
      [&](const raws3::WalkedFile& file) {
        progress.found(file.size);
        const Location to = file_location(local_path_for(dst.path, file.relative));
        worst = std::max(worst, ctx.attempt(file.path, [&] {
          create_parent(to.path);
          fs::copy_file(file.path, to.path, fs::copy_options::overwrite_existing);
          progress.add_done(file.size);
          results.add({.op = "copy", .source = file.path, .destination = to.path, .size = file.size});
        }));
        progress.file_done();
      },
      [&](const std::string& path, const std::string& why) { worst = std::max(worst, report_skip(ctx, path, why)); });
  return worst;
}

// A tree through the library's transfer queue: the walk or the listing feeds it as it goes, and add()
// waits while the window is full, so memory stays flat whatever the number of objects.
int copy_tree(Context& ctx, const Location& src, const Location& dst, const raws3::PutOptions& object) {
  if (src.is_stdio() || dst.is_stdio()) {
    throw UsageError("--recursive copies between directories and prefixes, not \"-\"");
  }
  if (src.is_file() && dst.is_file()) {
    Results results(ctx.options().json, ctx.options().quiet);
    Progress progress(ctx.progress_enabled(false), ctx.command() + " " + src.text);
    int copied = kSuccess;
    const int rc = ctx.attempt(src.text, [&] { copied = copy_local_tree(ctx, src, dst, results, progress); });
    results.finish();
    return std::max(rc, copied);
  }
  TreeTransfer tree(ctx, ctx.command() + " " + src.text, op_name(src, dst), object);
  tree.note(ctx.attempt(src.text, [&] {
    auto destination_for = [&](std::string_view relative) {
      if (dst.is_s3()) return raws3::Place::object(dst.bucket, directory_prefix(dst.key) + std::string(relative));
      return raws3::Place::file(local_path_for(dst.path, relative));
    };
    if (src.is_file()) {
      raws3::walk_directory(
          src.path, {},
          [&](const raws3::WalkedFile& file) {
            tree.add({raws3::Place::file(file.path), destination_for(file.relative), file.size});
          },
          [&](const std::string& path, const std::string& why) { tree.note(report_skip(ctx, path, why)); });
    } else {
      raws3::ListOptions listing;
      listing.prefix = directory_prefix(src.key);
      for_each_page(ctx, src.bucket, listing, [&](const raws3::ListObjectsPage& page) {
        for (const auto& object : page.objects) {
          const std::string_view relative = std::string_view(object.key).substr(listing.prefix.size());
          // "dir/" markers hold no data; locally they are the directories that the files create anyway.
          if (dst.is_file() && (relative.empty() || relative.ends_with('/'))) continue;
          if (Interrupts::received()) throw raws3::Cancelled("interrupted");
          tree.note(ctx.attempt("s3://" + src.bucket + "/" + object.key, [&] {
            tree.add({raws3::Place::object(src.bucket, object.key), destination_for(relative), object.size,
                      object.last_modified});
          }));
        }
      });
    }
    tree.wait();
  }));
  tree.wait();
  tree.results().finish();
  return tree.worst();
}

}  // namespace

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

std::string text_of(const raws3::Place& place) {
  return place.is_object() ? "s3://" + place.bucket + "/" + place.key : place.path;
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

TreeTransfer::TreeTransfer(Context& ctx, std::string label, const char* op, raws3::PutOptions object)
    : ctx_(ctx),
      op_(op),
      results_(ctx.options().json, ctx.options().quiet),
      progress_(ctx.progress_enabled(false), std::move(label)),
      queue_(ctx.client(),
             [&] {
               raws3::TransferOptions options{.put = std::move(object),
                                              .progress = [this](std::uint64_t n) { progress_.add_done(n); }};
               options.put.checksum = checksum_of(ctx.options());
               return options;
             }(),
             [this](const raws3::TransferItem& item, std::exception_ptr error, const raws3::TransferResult& result) {
               progress_.file_done();
               const std::string source = text_of(item.source);
               if (error) {
                 // The S3 side names an upload's failure; downloads and copies name their source.
                 const std::string target = item.source.is_object() ? source : text_of(item.destination);
                 note(ctx_.attempt(target, [&] { std::rethrow_exception(error); }));
                 return;
               }
               note(ctx_.attempt(source, [&] {
                 results_.add({.op = op_, .source = source, .destination = text_of(item.destination),
                               .size = result.size, .etag = result.etag});
               }));
             }) {}

void TreeTransfer::add(raws3::TransferItem item) {
  if (Interrupts::received()) throw raws3::Cancelled("interrupted");
  progress_.found(item.size);
  queue_.add(std::move(item));
}

void TreeTransfer::wait() {
  progress_.found_all();
  queue_.wait();
}

void TreeTransfer::note(int rc) noexcept {
  int seen = worst_.load();
  while (rc > seen && !worst_.compare_exchange_weak(seen, rc)) {
  }
}

// What --content-type and --metadata ask of the objects an upload creates; a UsageError when they are
// given to anything but an upload.
raws3::PutOptions object_options(const TransferArgs& args, const Location& src, const Location& dst) {
  raws3::PutOptions options;
  if (args.content_type.empty() && args.metadata.empty()) return options;
  if (src.is_s3() || !dst.is_s3()) {
    throw UsageError("--content-type and --metadata apply to uploads (a local file, directory or - to s3://)");
  }
  options.content_type = args.content_type;
  for (const std::string& pair : args.metadata) {
    const std::size_t equals = pair.find('=');
    if (equals == 0 || equals == std::string::npos) {
      throw UsageError("--metadata: \"" + pair + "\" is not KEY=VALUE");
    }
    options.metadata[pair.substr(0, equals)] = pair.substr(equals + 1);
  }
  return options;
}

int run_get(Context& ctx, const TransferArgs& args) {
  const Location src = locate_s3_object(args.source);
  const Location dst = locate(args.destination);
  if (dst.is_s3()) throw UsageError("get writes to a local file or \"-\"; use cp to copy within S3");
  return copy_single(ctx, src, dst, {});
}

int run_put(Context& ctx, const TransferArgs& args) {
  const Location src = locate(args.source);
  if (src.is_s3()) throw UsageError("put reads a local file or \"-\"; use cp to copy within S3");
  const Location dst = locate_s3(args.destination);
  ctx.check_upload_part_size();
  return copy_single(ctx, src, dst, object_options(args, src, dst));
}

int run_cp(Context& ctx, const TransferArgs& args) {
  const Location src = locate(args.source);
  const Location dst = locate(args.destination);
  const raws3::PutOptions object = object_options(args, src, dst);
  if (dst.is_s3() && !src.is_s3()) ctx.check_upload_part_size();
  return args.recursive ? copy_tree(ctx, src, dst, object) : copy_single(ctx, src, dst, object);
}

}  // namespace s3cli
