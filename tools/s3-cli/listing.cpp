// ls, du and stat: commands that only read.
#include <algorithm>
#include <array>
#include <cstdio>

#include "commands.hpp"
#include "location.hpp"
#include "output.hpp"
#include "source_tree.hpp"

namespace s3cli {
namespace {

void list_buckets(Context& ctx) {
  const auto buckets = ctx.client().list_buckets();
  auto& console = Console::instance();
  if (!ctx.options().json) {
    for (const auto& b : buckets) console.out(listing_time(b.creation_date) + " " + b.name);
    return;
  }
  Json json;
  json.begin_object().key("buckets").begin_array();
  for (const auto& b : buckets) {
    json.begin_object().key("name").string(b.name).key("creation_date").string(b.creation_date).end_object();
  }
  json.end_array().end_object();
  console.out(json.text());
}

// awscli's columns: 19-character date, size right-aligned in 10 (or as "1.5 KiB"), name; "PRE" right-aligned
// to the name column.
std::string object_line(const raws3::ObjectInfo& object, std::string_view name, bool human = false) {
  std::array<char, 64> head{};
  const std::string size = human ? human_bytes(object.size) : std::to_string(object.size);
  std::snprintf(head.data(), head.size(), "%-19s %10s ", listing_time(object.last_modified).c_str(), size.c_str());
  return head.data() + std::string(name);
}

// A page at a time, whatever the number of keys: with --json the document is written as it goes (objects
// first, then the common prefixes, which are all it keeps).
void list_objects(Context& ctx, const Location& where, const TargetArgs& args) {
  raws3::ListOptions options;
  options.prefix = where.key;
  if (!args.recursive) options.delimiter = "/";
  // Without --recursive, names are shown relative to the "directory" the prefix is in, as awscli does.
  const std::size_t shown_from = args.recursive ? 0 : where.key.rfind('/') + 1;  // npos + 1 == 0
  const bool json = ctx.options().json;
  auto& console = Console::instance();

  std::vector<std::string> prefixes;
  std::uint64_t count = 0;
  std::uint64_t total = 0;
  if (json) {
    std::string head = "{\"bucket\":";
    append_json_string(head, where.bucket);
    head += ",\"prefix\":";
    append_json_string(head, where.key);
    head += ",\"delimiter\":";
    append_json_string(head, options.delimiter);
    console.out(head + ",\"objects\":[");
  }
  for_each_page(ctx, where.service, where.bucket, options, [&](const raws3::ListObjectsPage& page) {
    for (const auto& p : page.common_prefixes) {
      if (json)
        prefixes.push_back(p);
      else
        console.out(std::string(27, ' ') + "PRE " + p.substr(std::min(shown_from, p.size())));
    }
    for (const auto& o : page.objects) {
      if (json) {
        Json object;
        object.begin_object().key("key").string(o.key).key("size").number(o.size);
        object.key("last_modified").string(o.last_modified).key("etag").string(o.etag);
        if (!o.storage_class.empty()) object.key("storage_class").string(o.storage_class);
        console.out((count == 0 ? "" : ",") + object.end_object().text());
      } else {
        console.out(object_line(o, std::string_view(o.key).substr(std::min(shown_from, o.key.size())), args.human_readable));
      }
      ++count;
      total += o.size;
    }
  });
  if (!json) {
    if (!args.summarize) return;
    console.out("");
    console.out("Total Objects: " + std::to_string(count));
    console.out("   Total Size: " + (args.human_readable ? human_bytes(total) : std::to_string(total) + " Bytes"));
    return;
  }
  Json rest;
  rest.begin_array();
  for (const auto& p : prefixes) rest.string(p);
  rest.end_array();
  std::string tail = "],\"common_prefixes\":" + rest.text();
  if (args.summarize) tail += ",\"total_objects\":" + std::to_string(count) + ",\"total_size\":" + std::to_string(total);
  console.out(tail + "}");
}

// What a wildcard selects, a line (or JSON object) per key, in listing order.
int list_matches(Context& ctx, const Location& where, const Selection& selection) {
  const SourceTree source(where, selection);
  const bool json = ctx.options().json;
  Json doc;
  doc.begin_object().key("bucket").string(where.bucket).key("pattern").string(where.key).key("objects").begin_array();
  const std::uint64_t selected = source.for_each(
      ctx,
      [&](const SourceItem& item) {
        if (!json) {
          raws3::ObjectInfo object;
          object.size = item.size;
          object.last_modified = item.last_modified;
          Console::instance().out(object_line(object, item.place.key));
          return;
        }
        doc.begin_object().key("key").string(item.place.key).key("size").number(item.size);
        doc.key("last_modified").string(item.last_modified).key("etag").string(item.etag).end_object();
      },
      {});
  if (json) Console::instance().out(doc.end_array().end_object().text());
  return selected == 0 ? report_unmatched(ctx, where) : kSuccess;
}

void print_head(Context& ctx, const Location& where, const raws3::HeadResult& head) {
  auto& console = Console::instance();
  if (!ctx.options().json) {
    console.out("size: " + std::to_string(head.size));
    console.out("etag: " + head.etag);
    console.out("last-modified: " + head.last_modified);
    console.out("content-type: " + head.content_type);
    for (const auto& [name, value] : head.metadata) console.out("metadata." + name + ": " + value);
    return;
  }
  Json json;
  json.begin_object().key("bucket").string(where.bucket).key("key").string(where.key);
  json.key("size").number(head.size).key("etag").string(head.etag);
  json.key("last_modified").string(head.last_modified).key("content_type").string(head.content_type);
  json.key("metadata").begin_object();
  for (const auto& [name, value] : head.metadata) json.key(name).string(value);
  json.end_object().end_object();
  console.out(json.text());
}

// s5cmd's du line: "<size> bytes in <n> objects: <url>", the size as "1.5 MiB" with --human-readable.
void print_usage(Context& ctx, const Location& where, std::uint64_t count, std::uint64_t total, bool human) {
  if (ctx.options().json) {
    Json json;
    json.begin_object().key("url").string(where.text).key("objects").number(count).key("size").number(total);
    Console::instance().out(json.end_object().text());
    return;
  }
  Console::instance().out((human ? human_bytes(total) : std::to_string(total) + " bytes") + " in " +
                          std::to_string(count) + (count == 1 ? " object: " : " objects: ") + where.text);
}

}  // namespace

PageCursor::PageCursor(Context& ctx, raws3::Service service, std::string bucket, raws3::ListOptions options)
    : client_(ctx.client(service)), bucket_(std::move(bucket)), options_(std::move(options)) {
  options_.max_keys = ctx.options().page_size;
}

std::optional<raws3::ListObjectsPage> PageCursor::next() {
  if (done_) return std::nullopt;
  raws3::ListObjectsPage page = client_.list_objects_v2(bucket_, options_);
  if (!page.is_truncated || page.next_continuation_token.empty())
    done_ = true;
  else
    options_.continuation_token = page.next_continuation_token;
  return page;
}

void for_each_page(Context& ctx, raws3::Service service, const std::string& bucket, raws3::ListOptions options,
                   const std::function<void(const raws3::ListObjectsPage&)>& visit) {
  PageCursor pages(ctx, service, bucket, std::move(options));
  while (std::optional<raws3::ListObjectsPage> page = pages.next()) visit(*page);
}

int run_ls(Context& ctx, const TargetArgs& args, const Selection& selection) {
  if (args.url.empty()) return ctx.attempt("", [&] { list_buckets(ctx); });
  const Location where = locate_s3(args.url);
  if (!selection.raw && has_wildcard(where.key)) {
    int rc = kSuccess;
    const int listed = ctx.attempt(where.text, [&] { rc = list_matches(ctx, where, selection); });
    return std::max(rc, listed);
  }
  return ctx.attempt(where.text, [&] { list_objects(ctx, where, args); });
}

int run_stat(Context& ctx, const TargetArgs& args) {
  const Location where = locate_s3_object(args.url);
  return ctx.attempt(where.text, [&] { print_head(ctx, where, ctx.client_for(where).head_object(where.bucket, where.key)); });
}


int run_du(Context& ctx, const TargetArgs& args, const Selection& selection) {
  const Location where = locate_s3(args.url);
  std::uint64_t count = 0;
  std::uint64_t total = 0;
  if (!selection.raw && has_wildcard(where.key)) {
    int rc = kSuccess;
    const int listed = ctx.attempt(where.text, [&] {
      const SourceTree source(where, selection);
      source.for_each(
          ctx,
          [&](const SourceItem& item) {
            ++count;
            total += item.size;
          },
          {});
      rc = count == 0 ? report_unmatched(ctx, where) : kSuccess;
      if (count != 0) print_usage(ctx, where, count, total, args.human_readable);
    });
    return std::max(rc, listed);
  }
  // Every key under the prefix, as ls --recursive --summarize counts them; an empty prefix is 0 objects.
  return ctx.attempt(where.text, [&] {
    raws3::ListOptions options;
    options.prefix = where.key;
    for_each_page(ctx, where.service, where.bucket, options, [&](const raws3::ListObjectsPage& page) {
      count += page.objects.size();
      for (const raws3::ObjectInfo& o : page.objects) total += o.size;
    });
    print_usage(ctx, where, count, total, args.human_readable);
  });
}

}  // namespace s3cli
