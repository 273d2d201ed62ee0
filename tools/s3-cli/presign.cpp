// presign: a URL anyone can GET for a while. Only the URL goes to stdout, so that $(s3-cli presign ...) works.
#include <chrono>

#include "commands.hpp"
#include "location.hpp"
#include "output.hpp"

namespace s3cli {

int run_presign(Context& ctx, const PresignArgs& args) {
  const Location where = locate_s3_object(args.url);
  return ctx.attempt(where.text, [&] {
    Console::instance().out(ctx.client_for(where).presign(where.bucket, where.key, std::chrono::seconds(args.expires)));
  });
}

}  // namespace s3cli
