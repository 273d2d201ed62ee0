// mb and rb.
#include "commands.hpp"
#include "location.hpp"
#include "output.hpp"

namespace s3cli {
namespace {

template <class Operation>
int bucket_command(Context& ctx, const TargetArgs& args, const char* op, Operation operation) {
  const Location where = locate_s3_bucket(args.url);
  Results results(ctx.options().json, ctx.options().quiet);
  const int rc = ctx.attempt(where.text, [&] {
    operation(ctx.client(), where.bucket);
    results.add({.op = op, .source = "s3://" + where.bucket});
  });
  results.finish();
  return rc;
}

}  // namespace

int run_mb(Context& ctx, const TargetArgs& args) {
  return bucket_command(ctx, args, "make_bucket",
                        [](raws3::Client& client, const std::string& bucket) { client.create_bucket(bucket); });
}

int run_rb(Context& ctx, const TargetArgs& args) {
  return bucket_command(ctx, args, "remove_bucket",
                        [](raws3::Client& client, const std::string& bucket) { client.delete_bucket(bucket); });
}

}  // namespace s3cli
