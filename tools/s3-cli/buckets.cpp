// mb and rb.
#include <algorithm>

#include "commands.hpp"
#include "location.hpp"
#include "output.hpp"

namespace s3cli {

int run_mb(Context& ctx, const TargetArgs& args) {
  const Location where = locate_s3_bucket(args.url);
  Results results(ctx.options().json, ctx.options().quiet);
  const int rc = ctx.attempt(where.text, [&] {
    ctx.client_for(where).create_bucket(where.bucket);
    results.add({.op = "make_bucket", .source = std::string(where.scheme()) + where.bucket});
  });
  results.finish();
  return rc;
}

namespace {

// Azure deletes a container with everything in it; rb without --force keeps S3's rule instead, and leaves a
// container that holds blobs.
void refuse_unless_empty(Context& ctx, const Location& where) {
  raws3::ListOptions one;
  one.max_keys = 1;
  if (!ctx.client_for(where).list_objects_v2(where.bucket, one).objects.empty())
    throw raws3::Error("not removed: the container holds blobs (--force removes them first)");
}

}  // namespace

// --force empties the bucket first (its objects, then its open uploads); a bucket that could not be emptied
// is left, said once.
int run_rb(Context& ctx, const BucketArgs& args) {
  const Location where = locate_s3_bucket(args.url);
  Results results(ctx.options().json, ctx.options().quiet);
  int emptied = kSuccess;
  int rc = ctx.attempt(where.text, [&] {
    if (args.force) {
      emptied = remove_objects(ctx, where, Selection{.raw = true}, results);
      try {
        emptied = std::max(emptied, abort_open_uploads(ctx, where.service, where.bucket, "", std::chrono::milliseconds(0), results));
      } catch (const raws3::S3Error& e) {
        // s3rver keeps uploads but cannot list them: there is nothing this client could abort.
        if (e.code() != "NotImplemented") throw;
        if (!ctx.options().quiet) Console::instance().err("warning: " + where.text + ": the server cannot list open uploads");
      }
      if (emptied != kSuccess) throw raws3::Error("not removed: the bucket could not be emptied");
    }
    if (!args.force && where.is_azure()) refuse_unless_empty(ctx, where);
    ctx.client_for(where).delete_bucket(where.bucket);
    results.add({.op = "remove_bucket", .source = std::string(where.scheme()) + where.bucket});
  });
  results.finish();
  return std::max(rc, emptied);
}

}  // namespace s3cli
