// uploads ls|abort: the multipart uploads a bucket holds open, left by any tool (an upload that was never
// completed nor aborted keeps its parts, and their cost, forever), and their removal.
#include <algorithm>
#include <chrono>

#include "auth/timestamp.hpp"
#include "commands.hpp"
#include "location.hpp"
#include "output.hpp"

namespace s3cli {
namespace {

using Clock = std::chrono::system_clock;

// Every open upload under prefix begun before cutoff (none: all), page by page.
template <class Visit>
void for_each_open_upload(Context& ctx, raws3::Service service, const std::string& bucket, const std::string& prefix,
                          std::chrono::milliseconds older_than, Visit visit) {
  const Clock::time_point cutoff = Clock::now() - older_than;
  std::string key_marker;
  std::string upload_id_marker;
  for (;;) {
    const raws3::MultipartUploadsPage page =
        ctx.client(service).list_multipart_uploads(bucket, prefix, key_marker, upload_id_marker);
    for (const raws3::MultipartUploadInfo& upload : page.uploads) {
      if (older_than.count() > 0) {
        const auto initiated = raws3::auth::parse_iso8601(upload.initiated);
        // An upload whose age the server does not tell is never taken for an old one.
        if (!initiated || *initiated > cutoff) continue;
      }
      visit(upload);
    }
    // A truncated page without markers cannot be continued: stop rather than read it again forever.
    if (!page.is_truncated || (page.next_key_marker.empty() && page.next_upload_id_marker.empty())) return;
    key_marker = page.next_key_marker;
    upload_id_marker = page.next_upload_id_marker;
  }
}

std::chrono::milliseconds age_of(const UploadsArgs& args) {
  return args.older_than.empty() ? std::chrono::milliseconds(0) : parse_duration_flag(args.older_than, "--older-than");
}

void list_uploads(Context& ctx, const Location& where, std::chrono::milliseconds older_than) {
  const bool json = ctx.options().json;
  Json doc;
  doc.begin_object().key("bucket").string(where.bucket).key("prefix").string(where.key).key("uploads").begin_array();
  for_each_open_upload(ctx, where.service, where.bucket, where.key, older_than, [&](const raws3::MultipartUploadInfo& upload) {
    if (json) {
      doc.begin_object().key("key").string(upload.key).key("upload_id").string(upload.upload_id);
      doc.key("initiated").string(upload.initiated).end_object();
    } else {
      Console::instance().out(listing_time(upload.initiated) + " " + upload.upload_id + " " + upload.key);
    }
  });
  if (json) Console::instance().out(doc.end_array().end_object().text());
}

}  // namespace

int abort_open_uploads(Context& ctx, raws3::Service service, const std::string& bucket, const std::string& prefix,
                       std::chrono::milliseconds older_than, Results& results) {
  int rc = kSuccess;
  for_each_open_upload(ctx, service, bucket, prefix, older_than, [&](const raws3::MultipartUploadInfo& upload) {
    const std::string target = s3_location(bucket, upload.key, service).text;
    rc = std::max(rc, ctx.attempt(target + " (upload " + upload.upload_id + ")", [&] {
      ctx.client(service).abort_multipart_upload(bucket, upload.key, upload.upload_id);
      results.add({.op = "abort_upload", .source = target, .upload_id = upload.upload_id});
    }));
  });
  return rc;
}

int run_uploads(Context& ctx, const UploadsArgs& args) {
  const Location where = locate_s3(args.url);
  const std::chrono::milliseconds older_than = age_of(args);
  if (args.action == "ls") return ctx.attempt(where.text, [&] { list_uploads(ctx, where, older_than); });
  Results results(ctx.options().json, ctx.options().quiet);
  int aborted = kSuccess;
  const int rc = ctx.attempt(where.text, [&] { aborted = abort_open_uploads(ctx, where.service, where.bucket, where.key, older_than, results); });
  results.finish();
  return std::max(rc, aborted);
}

}  // namespace s3cli
