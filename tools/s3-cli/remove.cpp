// rm: one object, every object under a prefix, or those a wildcard selects.
#include <algorithm>
#include <deque>
#include <future>
#include <utility>
#include <functional>
#include <unordered_set>

#include "commands.hpp"
#include "location.hpp"
#include "output.hpp"
#include "source_tree.hpp"

namespace s3cli {

int delete_keys(Context& ctx, raws3::Service service, const std::string& bucket, const std::vector<std::string>& keys,
                const std::function<void(std::size_t)>& deleted, std::string_view failure_prefix) {
  int rc = kSuccess;
  for (std::size_t from = 0; from < keys.size(); from += kDeleteBatch) {
    const std::size_t to = std::min(keys.size(), from + kDeleteBatch);
    const std::vector<std::string> batch(keys.begin() + std::ptrdiff_t(from), keys.begin() + std::ptrdiff_t(to));
    rc = std::max(rc, ctx.attempt(s3_location(bucket, "", service).text, [&] {
      const raws3::DeleteObjectsResult outcome = ctx.client(service).delete_objects(bucket, batch);
      std::unordered_set<std::string_view> failed;
      for (const auto& f : outcome.errors) {
        failed.insert(f.key);
        report_error(ctx.command(), s3_location(bucket, f.key, service).text,
                     std::string(failure_prefix) + f.code + ": " + f.message);
      }
      // The library may ask for the quiet form, which lists failures only: what did not fail was deleted.
      for (std::size_t i = from; i < to; ++i) {
        if (!failed.contains(keys[i])) deleted(i);
      }
      if (!failed.empty()) rc = kFailure;
    }));
  }
  return rc;
}


namespace {

int remove_keys(Context& ctx, raws3::Service service, const std::string& bucket, const std::vector<std::string>& keys,
                Results& results) {
  return delete_keys(ctx, service, bucket, keys, [&](std::size_t i) {
    results.add({.op = "delete", .source = s3_location(bucket, keys[i], service).text});
  });
}

}  // namespace

// A batch at a time as the listing goes, so memory stays at a few batches however many keys match. The
// listing goes on while up to kBatchesInFlight DeleteObjects requests run (each blocking on a thread of
// its own): a server's deletes, not its listing, are what an rm -r waits for.
int remove_objects(Context& ctx, const Location& where, const Selection& selection, Results& results) {
  constexpr std::size_t kBatchesInFlight = 4;
  const SourceTree source(where, selection);
  int rc = kSuccess;
  std::deque<std::future<int>> running;
  auto settle = [&](std::size_t at_most) {
    while (running.size() > at_most) {
      rc = std::max(rc, running.front().get());
      running.pop_front();
    }
  };
  auto start = [&](std::vector<std::string> keys) {
    settle(kBatchesInFlight - 1);
    running.push_back(std::async(std::launch::async, [&ctx, &results, service = where.service, bucket = where.bucket,
                                                      keys = std::move(keys)] {
      return remove_keys(ctx, service, bucket, keys, results);
    }));
  };
  std::vector<std::string> keys;
  std::uint64_t selected = 0;
  try {
    selected = source.for_each(
        ctx,
        [&](SourceItem item) {
          keys.push_back(std::move(item.place.key));
          if (keys.size() == kDeleteBatch) start(std::exchange(keys, {}));
        },
        {});
    if (!keys.empty()) start(std::move(keys));
  } catch (...) {
    settle(0);  // the batches running refer to this frame
    throw;
  }
  settle(0);
  if (selected == 0 && source.is_wildcard()) rc = std::max(rc, report_unmatched(ctx, where));
  return rc;
}

int run_rm(Context& ctx, const TargetArgs& args, const Selection& selection) {
  const Location where = locate_s3(args.url);
  const bool tree = names_tree(where, args.recursive, selection);
  if (!tree) require_key(where);
  Results results(ctx.options().json, ctx.options().quiet);
  int per_key = kSuccess;  // failures reported key by key, already printed
  const int rc = ctx.attempt(where.text, [&] {
    if (tree) {
      per_key = remove_objects(ctx, where, selection, results);
      return;
    }
    ctx.client_for(where).delete_object(where.bucket, where.key);
    results.add({.op = "delete", .source = where.text});
  });
  results.finish();
  return std::max(rc, per_key);
}

}  // namespace s3cli
