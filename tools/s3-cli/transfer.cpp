// get, put, cp and cat: moving bytes between S3, local files and stdin/stdout.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "location.hpp"
#include "output.hpp"
#include "progress.hpp"

namespace s3cli {
namespace {

namespace fs = std::filesystem;

// Whole files in flight in a recursive copy. Small objects are bound by round trips, so a few at once pay;
// a large one is already spread over the loops by the library, and each transfer holds up to
// inflight × part size of memory, so the number stays small.
constexpr std::size_t kFileWorkers = 4;

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

struct Item {
  Location source;
  Location destination;
  std::uint64_t size = 0;
};

// Planned before anything moves, so that progress knows the total. A key that cannot become a local path
// fails alone, reported here.
std::vector<Item> plan_tree(Context& ctx, const Location& src, const Location& dst, int& rc) {
  if (src.is_stdio() || dst.is_stdio()) {
    throw UsageError("--recursive copies between directories and prefixes, not \"-\"");
  }
  auto destination_for = [&](std::string_view relative) {
    if (dst.is_s3()) return s3_location(dst.bucket, directory_prefix(dst.key) + std::string(relative));
    return file_location(local_path_for(dst.path, relative));
  };
  std::vector<Item> items;
  if (src.is_file()) {
    std::error_code ec;
    if (!fs::is_directory(src.path, ec)) throw_file_error(src.path, ec ? ec.value() : ENOTDIR);
    for (const auto& entry : fs::recursive_directory_iterator(src.path)) {
      if (!entry.is_regular_file()) continue;
      const std::string relative = entry.path().lexically_relative(src.path).generic_string();
      items.push_back({file_location(entry.path().string()), destination_for(relative), entry.file_size()});
    }
    return items;
  }
  raws3::ListOptions options;
  options.prefix = directory_prefix(src.key);
  for_each_page(ctx, src.bucket, options, [&](const raws3::ListObjectsPage& page) {
    for (const auto& object : page.objects) {
      const std::string_view relative = std::string_view(object.key).substr(options.prefix.size());
      // "dir/" markers hold no data; locally they are the directories that the files create anyway.
      if (dst.is_file() && (relative.empty() || relative.ends_with('/'))) continue;
      Location source = s3_location(src.bucket, object.key);
      rc = std::max(rc, ctx.attempt(source.text, [&] {
        items.push_back({source, destination_for(relative), object.size});
      }));
    }
  });
  return items;
}

int copy_tree(Context& ctx, const Location& src, const Location& dst, const raws3::PutOptions& object) {
  int planned_rc = kSuccess;
  std::vector<Item> items;
  if (const int rc = ctx.attempt(src.text, [&] { items = plan_tree(ctx, src, dst, planned_rc); }); rc != kSuccess) {
    return rc;
  }
  std::uint64_t total = 0;
  for (const Item& item : items) total += item.size;

  Results results(ctx.options().json, ctx.options().quiet);
  std::atomic<int> worst{planned_rc};
  {
    Progress progress(ctx.progress_enabled(false), ctx.command() + " " + src.text, total, items.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (std::size_t i = next.fetch_add(1); i < items.size(); i = next.fetch_add(1)) {
        const Item& item = items[i];
        const int rc = ctx.attempt(target_of(item.source, item.destination), [&] {
          // The tree's directories are made as its files need them.
          if (item.destination.is_file()) create_parent(item.destination.path);
          results.add(transfer_one(ctx, item.source, item.destination, object, progress));
        });
        progress.file_done();
        int seen = worst.load();
        while (rc > seen && !worst.compare_exchange_weak(seen, rc)) {
        }
      }
    };
    std::vector<std::jthread> workers;
    for (std::size_t n = std::min(kFileWorkers, items.size()); n > 1; --n) workers.emplace_back(worker);
    worker();
  }
  results.finish();
  return worst.load();
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

}  // namespace

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
