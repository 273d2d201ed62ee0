// The commands of s3-cli. Each returns the process exit code; failures it can attribute to one object are
// reported by it, anything else propagates to main.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "location.hpp"
#include "output.hpp"
#include "raws3/types.hpp"
#include "selection.hpp"

namespace s3cli {

struct TargetArgs {
  std::string url;
  bool recursive = false;
  bool human_readable = false;  // ls, du: sizes as 1.5 KiB (awscli's --human-readable)
  bool summarize = false;       // ls: the number of objects and their total size at the end
};

struct TransferArgs {
  std::string source;
  std::string destination;
  bool recursive = false;
  // Of uploaded objects (awscli's cp options): Content-Type (else guessed from the file name unless
  // no_guess_mime_type), x-amz-meta-KEY from each "KEY=VALUE", storage class, Cache-Control,
  // Content-Encoding; copies within S3 keep the source's unless metadata_directive is REPLACE.
  std::string content_type;
  std::vector<std::string> metadata;
  std::string storage_class;
  std::string cache_control;
  std::string content_encoding;
  std::string metadata_directive;  // COPY (the default) or REPLACE
  bool no_guess_mime_type = false;
};

struct SyncArgs {
  TransferArgs transfer;      // source, destination and the uploads' attributes
  bool delete_extra = false;  // --delete
  bool dryrun = false;
  bool size_only = false;
  bool exact_timestamps = false;
  bool checksum = false;  // same-size pairs compared by the stored CRC32C (raws3/object_checksum.hpp)
};

struct BucketArgs {
  std::string url;
  bool force = false;  // rb: delete every object and abort every open upload first
};

struct UploadsArgs {
  std::string action;  // ls or abort
  std::string url;     // s3://bucket[/prefix]
  std::string older_than;  // only uploads begun longer ago than this ("7d"); empty: all
};

struct BatchArgs {
  std::string file;  // or "-": stdin
};

struct PresignArgs {
  std::string url;
  unsigned expires = 3600;
};

struct BenchArgs {
  std::string op;  // put, get, stat, delete, list, multipart or mixed
  std::string bucket;
  std::string prefix;  // empty: a random one, so that runs never meet
  unsigned concurrent = 20;
  std::string object_size = "10MiB";
  unsigned objects = 100;  // uploaded first by get, stat, delete, list and mixed
  std::string duration = "30s";
  std::string warmup = "1s";
  bool autoterm = false;
  std::string autoterm_window = "5s";
  double autoterm_percent = 7.5;
  bool keep = false;
  std::string csv;
  bool mpi = false;  // join an MPI job even where no launcher's variables say so
  unsigned get_distrib = 45;
  unsigned put_distrib = 15;
  unsigned delete_distrib = 10;
  unsigned stat_distrib = 30;
};

// Commands that read a tree or a wildcard take the --include / --exclude / --raw selection.
int run_ls(Context& ctx, const TargetArgs& args, const Selection& selection);  // empty url: the buckets
int run_stat(Context& ctx, const TargetArgs& args);
// The number and total size of the objects under a prefix or selected by a wildcard.
int run_du(Context& ctx, const TargetArgs& args, const Selection& selection);
int run_mb(Context& ctx, const TargetArgs& args);
int run_rb(Context& ctx, const BucketArgs& args);
int run_rm(Context& ctx, const TargetArgs& args, const Selection& selection);
int run_get(Context& ctx, const TransferArgs& args);  // cat is get to "-"
int run_put(Context& ctx, const TransferArgs& args);
int run_cp(Context& ctx, const TransferArgs& args, const Selection& selection);
int run_mv(Context& ctx, const TransferArgs& args, const Selection& selection);
int run_sync(Context& ctx, const SyncArgs& args, const Selection& selection);
int run_uploads(Context& ctx, const UploadsArgs& args);
int run_batch(Context& ctx, const BatchArgs& args);
int run_presign(Context& ctx, const PresignArgs& args);
int run_bench(Context& ctx, const BenchArgs& args);

// S3's limit of keys per DeleteObjects request.
inline constexpr std::size_t kDeleteBatch = 1000;

// The one way s3-cli deletes a set of objects: DeleteObjects requests of kDeleteBatch keys; deleted(i) hears
// of each key S3 confirmed, each failure is reported with failure_prefix before its S3 code. Returns the
// exit code.
int delete_keys(Context& ctx, raws3::Service service, const std::string& bucket, const std::vector<std::string>& keys,
                const std::function<void(std::size_t index)>& deleted, std::string_view failure_prefix = {});

// rm -r's and rb --force's half: deletes what location (a prefix or a wildcard) selects, a DeleteObjects
// batch at a time as the listing goes; failures are reported key by key. Returns the exit code.
int remove_objects(Context& ctx, const Location& where, const Selection& selection, Results& results);
// Aborts the open multipart uploads under prefix begun more than older_than ago (zero: all of them).
int abort_open_uploads(Context& ctx, raws3::Service service, const std::string& bucket, const std::string& prefix,
                       std::chrono::milliseconds older_than, Results& results);

// A listing's pages one at a time, following continuation tokens, --page-size keys each: the one page
// walker (for_each_page runs on it).
class PageCursor {
 public:
  // bucket: S3's, or Azure's container, as service says.
  PageCursor(Context& ctx, raws3::Service service, std::string bucket, raws3::ListOptions options);
  // The next page, or nullopt after the last.
  std::optional<raws3::ListObjectsPage> next();

 private:
  raws3::Client& client_;
  std::string bucket_;
  raws3::ListOptions options_;
  bool done_ = false;
};

// Every page of a listing, in order.
void for_each_page(Context& ctx, raws3::Service service, const std::string& bucket, raws3::ListOptions options,
                   const std::function<void(const raws3::ListObjectsPage&)>& visit);

}  // namespace s3cli
