// get, put, cp, mv and cat: moving bytes between S3, local files and stdin/stdout, one object or a tree.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "commands.hpp"
#include "io/temporary_file.hpp"
#include "interrupts.hpp"
#include "raws3/directory_walk.hpp"
#include "raws3/transfer.hpp"
#include "location.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "source_tree.hpp"
#include "store/object_store.hpp"
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
      if (errno == EPIPE) {
        Console::instance().stdout_closed_by_reader();
        throw StdoutClosed();
      }
      throw_file_error("stdout", errno);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

bool names_directory(const std::string& path) {
  return path.ends_with('/') || fs::is_directory(path);
}

// A local source's size, or nullopt for one that streams (a pipe, FIFO, /dev/stdin, <(cmd), a character
// device): those are read to their end. A missing source or a directory is said plainly before any request.

std::optional<std::uint64_t> local_source_size(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) throw_file_error(path, ec.value());
  if (fs::is_directory(status)) throw UsageError(path + " is a directory (use cp --recursive)");
  if (!fs::is_regular_file(status)) return std::nullopt;
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
    return s3_location(dst.bucket, dst.key + name, dst.service);
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

// One object or file from src to dst (both resolved), its bytes reported to progress as the library
// acknowledges them. A local destination's directory must exist: a mistyped path is an error, as with cp(1).
Outcome transfer_one(Context& ctx, const Location& src, const Location& dst, const ObjectAttributes& object,
                     Progress& progress) {
  Progress::Share share(progress);
  auto report = [&share](std::uint64_t done, std::uint64_t total) { share.update(done, total); };
  const raws3::GetOptions get_options{.progress = report};
  raws3::PutOptions put_options = object.put;
  put_options.progress = report;
  put_options.checksum = checksum_of(ctx.options());
  if (object.guess_content_type && src.is_file()) put_options.content_type = raws3::guess_content_type(src.path);

  Outcome outcome{.op = op_name(src, dst), .source = src.text, .destination = dst.text};
  auto take = [&outcome](const auto& result) {
    outcome.size = result.size;
    outcome.etag = result.etag;
  };
  if (src.is_s3() && dst.is_s3() && src.service == dst.service) {
    outcome.etag = ctx.client_for(src).copy_object(src.bucket, src.key, dst.bucket, dst.key, object.copy);
  } else if (src.is_s3() && dst.is_s3()) {
    // Between S3 and Azure Blob: read in order from one into the other's upload ring, never to disk.
    const std::unique_ptr<raws3::store::ObjectStore> from = raws3::store::s3_store(ctx.client_for(src));
    const std::unique_ptr<raws3::store::ObjectStore> to = raws3::store::s3_store(ctx.client_for(dst));
    take(raws3::store::copy(*from, src, *to, dst, put_options));
  } else if (src.is_s3() && dst.is_stdio()) {
    take(ctx.client_for(src).get_to(src.bucket, src.key, write_stdout, get_options));
  } else if (src.is_s3() && dst.is_file()) {
    take(ctx.client_for(src).get_to_file(src.bucket, src.key, dst.path, get_options));
  } else if (src.is_file() && dst.is_s3()) {
    local_source_size(src.path);
    take(ctx.client_for(dst).upload_file(dst.bucket, dst.key, src.path, put_options));
  } else if (src.is_stdio() && dst.is_s3()) {
    take(ctx.client_for(dst).upload_stream(dst.bucket, dst.key, STDIN_FILENO, put_options));
  } else if (src.is_file() && dst.is_file()) {
    if (!local_source_size(src.path)) throw UsageError(src.path + " streams: copy it to s3:// or with cat/tee");
    outcome.size = fs::file_size(src.path);
    fs::copy_file(src.path, dst.path, fs::copy_options::overwrite_existing);
  } else {
    throw UsageError("\"-\" needs an s3:// location on the other side");
  }
  if (outcome.size) share.update(*outcome.size, 0);
  return outcome;
}

int copy_single(Context& ctx, const Location& src, const Location& dst, const ObjectAttributes& object) {
  require_key(src);
  Results results(ctx.options().json, ctx.options().quiet);
  const int rc = ctx.attempt(target_of(src, dst), [&] {
    const Location to = resolve_destination(src, dst);
    // Progress only where bytes cross between a service and here, or between two services: not for a
    // server-side copy or stdin.
    const bool shows = (src.is_s3() && !to.is_s3()) || (src.is_file() && to.is_s3()) ||
                       (src.is_s3() && to.is_s3() && src.service != to.service);
    Progress progress(shows && ctx.progress_enabled(to.is_stdio()),
                      std::string(op_name(src, to)) + " " + target_of(src, to),
                      src.is_file() ? local_source_size(src.path).value_or(0) : 0, 1);
    Outcome outcome = transfer_one(ctx, src, to, object, progress);
    // With the data itself on stdout, a result line or JSON document there would corrupt it.
    if (!to.is_stdio()) results.add(std::move(outcome));
  });
  if (!dst.is_stdio()) results.finish();
  return rc;
}

// One object or file moved: copied, the copy verified against what the source was before it started (its
// size; a single-part object's ETag), and only then the source removed.
int move_single(Context& ctx, const Location& src, const Location& dst, const ObjectAttributes& object) {
  require_key(src);
  Results results(ctx.options().json, ctx.options().quiet);
  const int rc = ctx.attempt(target_of(src, dst), [&] {
    const Location to = resolve_destination(src, dst);
    std::uint64_t size = 0;
    std::string etag;
    if (src.is_s3()) {
      const raws3::HeadResult head = ctx.client_for(src).head_object(src.bucket, src.key);
      size = head.size;
      etag = head.etag;
    } else {
      const std::optional<std::uint64_t> file_size = local_source_size(src.path);
      if (!file_size) throw UsageError(src.path + " streams: there would be nothing to remove (use cp)");
      size = *file_size;
    }
    Progress progress(!to.is_s3() || !src.is_s3() ? ctx.progress_enabled(false) : false,
                      "move " + target_of(src, to), size, 1);
    Outcome outcome = transfer_one(ctx, src, to, object, progress);
    if (src.is_s3() && to.is_s3() && src.service == to.service) {
      // CopyObject answers with the copy's ETag; a multipart source's, or a copy made in parts, is no digest
      // of the bytes, so its size is asked. Azure's ETags are never digests.
      const bool digests = !src.is_azure() && etag.find('-') == std::string::npos &&
                           outcome.etag.find('-') == std::string::npos;
      if (digests) {
        if (unquoted(outcome.etag) != unquoted(etag))
          throw raws3::IntegrityError("the source is kept: the copy's ETag " + outcome.etag + " is not the source's " + etag);
      } else {
        outcome.size = ctx.client_for(to).head_object(to.bucket, to.key).size;
      }
    }
    if (outcome.size && *outcome.size != size) {
      throw raws3::IntegrityError("the source is kept: " + to.text + " has " + std::to_string(*outcome.size) +
                                  " bytes, the source " + std::to_string(size));
    }
    if (src.is_s3()) {
      ctx.client_for(src).delete_object(src.bucket, src.key);
    } else if (::unlink(src.path.c_str()) != 0) {
      throw_file_error("copied, but cannot remove " + src.path, errno);
    }
    outcome.op = "move";
    outcome.size = size;
    results.add(std::move(outcome));
  });
  results.finish();
  return rc;
}

// A local tree to another local place: no network, so no queue; one file after another.
std::uint64_t copy_local_tree(Context& ctx, const SourceTree& source, const Location& dst, Results& results,
                              Progress& progress, int& worst) {
  return source.for_each(
      ctx,
      [&](const SourceItem& file) {
        progress.found(file.size);
        const Location to = file_location(local_path_for(dst.path, file.relative));
        worst = std::max(worst, ctx.attempt(file.place.path, [&] {
          raws3::io::create_parent_directories(to.path);
          fs::copy_file(file.place.path, to.path, fs::copy_options::overwrite_existing);
          progress.add_done(file.size);
          results.add({.op = "copy", .source = file.place.path, .destination = to.path, .size = file.size});
        }));
        progress.file_done();
      },
      [&](const std::string& path, const std::string& why) { worst = std::max(worst, report_skip(ctx, path, why)); });
}

// A tree (or what a wildcard selects) through the library's transfer queue: the walk or the listing feeds
// it as it goes, and add() waits while the window is full, so memory stays flat whatever the number of
// objects. A move removes each source once its copy is verified.
int copy_tree(Context& ctx, const Location& src, const Location& dst, const ObjectAttributes& object,
              const Selection& selection, bool move) {
  if (src.is_stdio() || dst.is_stdio()) {
    throw UsageError("--recursive and wildcards copy between directories and prefixes, not \"-\"");
  }
  const SourceTree source(src, selection);
  if (src.is_file() && dst.is_file()) {
    if (ctx.ranks().size() > 1) throw UsageError("a copy between local directories does not run as an MPI job");
    Results results(ctx.options().json, ctx.options().quiet);
    Progress progress(ctx.progress_enabled(false), ctx.command() + " " + src.text);
    int worst = kSuccess;
    std::uint64_t selected = 0;
    const int rc =
        ctx.attempt(src.text, [&] { selected = copy_local_tree(ctx, source, dst, results, progress, worst); });
    results.finish();
    if (rc == kSuccess && selected == 0 && source.is_wildcard()) worst = std::max(worst, report_unmatched(ctx, src));
    return std::max(rc, worst);
  }
  TreeTransfer tree(ctx, tree_service(src, dst), ctx.command() + " " + src.text, object);
  tree.note(ctx.attempt(src.text, [&] {
    if (tree.feeds()) feed_tree(ctx, tree, src, dst, selection, move);
    tree.wait();
  }));
  tree.wait();
  tree.finish_results();
  return tree.worst();
}

}  // namespace

void feed_one(TreeTransfer& tree, const Location& src, const Location& dst, bool move) {
  require_key(src);
  if (src.is_stdio() || dst.is_stdio()) throw UsageError("a batch names files and objects, not \"-\"");
  if (!src.is_s3() && !dst.is_s3()) throw UsageError("a batch copies to or from s3://, not between local paths");
  if (src.is_azure() || dst.is_azure()) throw UsageError("a batch names s3:// objects and local files, not az://");
  const Location to = resolve_destination(src, dst);
  std::optional<std::uint64_t> size;
  if (src.is_file()) {
    size = local_source_size(src.path);
    if (!size) throw UsageError(src.path + " streams: upload it with put, not from a batch");
  }
  std::optional<MoveCheck> check;
  if (move) check = MoveCheck{size, {}};
  auto place = [](const Location& l) {
    return l.is_s3() ? raws3::Place::object(l.bucket, l.key) : raws3::Place::file(l.path);
  };
  tree.add({place(src), place(to), size.value_or(0)}, std::move(check));
}

ObjectAttributes object_options(const TransferArgs& args, const Location& src, const Location& dst) {
  ObjectAttributes object;
  raws3::PutOptions& put = object.put;
  put.content_type = args.content_type;
  put.storage_class = args.storage_class;
  put.cache_control = args.cache_control;
  put.content_encoding = args.content_encoding;
  for (const std::string& pair : args.metadata) {
    const std::size_t equals = pair.find('=');
    if (equals == 0 || equals == std::string::npos) {
      throw UsageError("--metadata: \"" + pair + "\" is not KEY=VALUE");
    }
    put.metadata[pair.substr(0, equals)] = pair.substr(equals + 1);
  }
  const bool replace = args.metadata_directive == "REPLACE";
  const bool described = !put.content_type.empty() || !put.metadata.empty() || !put.cache_control.empty() ||
                         !put.content_encoding.empty();
  if (!dst.is_s3() && (described || !put.storage_class.empty() || !args.metadata_directive.empty())) {
    throw UsageError("--content-type, --metadata, --storage-class, --cache-control and --content-encoding describe "
                     "objects created in S3, not local files");
  }
  if (src.is_s3()) {
    if (described && !replace) {
      throw UsageError("a copy within S3 keeps the source's content type and metadata: give --metadata-directive "
                       "REPLACE to set them");
    }
    object.copy.replace_metadata = replace;
    object.copy.attributes = put;
  } else if (!args.metadata_directive.empty()) {
    throw UsageError("--metadata-directive applies to copies within S3");
  }
  object.guess_content_type = !src.is_s3() && put.content_type.empty() && !args.no_guess_mime_type;
  return object;
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

int run_cp(Context& ctx, const TransferArgs& args, const Selection& selection) {
  const Location src = locate(args.source);
  const Location dst = locate(args.destination);
  const ObjectAttributes object = object_options(args, src, dst);
  if (dst.is_s3() && !src.is_s3()) ctx.check_upload_part_size();
  if (names_tree(src, args.recursive, selection)) return copy_tree(ctx, src, dst, object, selection, false);
  if (ctx.ranks().size() > 1) throw UsageError("cp of one object does not run as an MPI job (cp --recursive does)");
  return copy_single(ctx, src, dst, object);
}

int run_mv(Context& ctx, const TransferArgs& args, const Selection& selection) {
  const Location src = locate(args.source);
  const Location dst = locate(args.destination);
  if (src.is_stdio() || dst.is_stdio()) throw UsageError("mv moves files and objects, not \"-\"");
  if (!src.is_s3() && !dst.is_s3()) throw UsageError("mv needs an s3:// location on one side (mv(1) moves local files)");
  const ObjectAttributes object = object_options(args, src, dst);
  if (dst.is_s3() && !src.is_s3()) ctx.check_upload_part_size();
  if (names_tree(src, args.recursive, selection)) return copy_tree(ctx, src, dst, object, selection, true);
  return move_single(ctx, src, dst, object);
}

}  // namespace s3cli
