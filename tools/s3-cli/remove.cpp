// rm: one object, or every object under a prefix.
#include <algorithm>
#include <unordered_set>

#include "commands.hpp"
#include "location.hpp"
#include "output.hpp"

namespace s3cli {
namespace {

// Deletes page by page as the listing goes, so memory stays at one page however many keys match.
int remove_prefix(Context& ctx, const Location& where, Results& results) {
  raws3::ListOptions options;
  options.prefix = directory_prefix(where.key);
  int rc = kSuccess;
  for_each_page(ctx, where.bucket, options, [&](const raws3::ListObjectsPage& page) {
    if (page.objects.empty()) return;
    std::vector<std::string> keys;
    keys.reserve(page.objects.size());
    for (const auto& o : page.objects) keys.push_back(o.key);
    const raws3::DeleteObjectsResult outcome = ctx.client().delete_objects(where.bucket, keys);

    std::unordered_set<std::string_view> failed;
    for (const auto& f : outcome.errors) {
      failed.insert(f.key);
      report_error(ctx.command(), s3_location(where.bucket, f.key).text, f.code + ": " + f.message);
      rc = kFailure;
    }
    // The library may ask for the quiet form, which lists failures only: what did not fail was deleted.
    for (const auto& key : keys) {
      if (!failed.contains(key)) {
        results.add({.op = "delete", .source = s3_location(where.bucket, key).text});
      }
    }
  });
  return rc;
}

}  // namespace

int run_rm(Context& ctx, const TargetArgs& args) {
  const Location where = args.recursive ? locate_s3(args.url) : locate_s3_object(args.url);
  Results results(ctx.options().json, ctx.options().quiet);
  int per_key = kSuccess;  // failures delete_objects reported key by key, already printed
  const int rc = ctx.attempt(where.text, [&] {
    if (args.recursive) {
      per_key = remove_prefix(ctx, where, results);
      return;
    }
    ctx.client().delete_object(where.bucket, where.key);
    results.add({.op = "delete", .source = where.text});
  });
  results.finish();
  return std::max(rc, per_key);
}

}  // namespace s3cli
