#include "location.hpp"

#include "context.hpp"
#include "raws3/error.hpp"

namespace s3cli {

Location locate(std::string_view arg) {
  try {
    return Location{raws3::store::parse_location(arg), std::string(arg)};
  } catch (const raws3::ConfigError& e) {
    throw UsageError(e.what());
  }
}

Location locate_s3(std::string_view arg) {
  Location loc = locate(arg);
  if (!loc.is_s3())
    throw UsageError("\"" + loc.text + "\" is not an object location (expected s3://bucket/key or az://container/blob)");
  return loc;
}

void require_key(const Location& loc) {
  if (loc.is_s3() && loc.key.empty()) {
    throw UsageError("\"" + loc.text + "\" names a " + (loc.is_azure() ? "container" : "bucket") +
                     ", not an object (expected " + std::string(loc.scheme()) + (loc.is_azure() ? "container/blob)" : "bucket/key)"));
  }
}

Location locate_s3_object(std::string_view arg) {
  Location loc = locate_s3(arg);
  require_key(loc);
  return loc;
}

Location locate_s3_bucket(std::string_view arg) {
  Location loc = locate_s3(arg);
  if (!loc.key.empty())
    throw UsageError("\"" + loc.text + "\" names an object, not a " + (loc.is_azure() ? "container (expected az://container)" : "bucket (expected s3://bucket)"));
  return loc;
}

Location s3_location(std::string bucket, std::string key, raws3::Service service) {
  raws3::store::Location where{raws3::store::Location::S3, std::move(bucket), std::move(key), {}, service};
  std::string text = std::string(where.scheme()) + where.bucket + "/" + where.key;
  return Location{std::move(where), std::move(text)};
}

Location file_location(std::string path) {
  std::string text = path;
  return Location{{raws3::store::Location::File, {}, {}, std::move(path), raws3::Service::S3}, std::move(text)};
}

raws3::Service tree_service(const Location& src, const Location& dst) {
  if (src.is_s3() && dst.is_s3() && src.service != dst.service)
    throw UsageError("a recursive copy or sync between s3:// and az:// is not supported yet: cp copies one object "
                     "at a time between them, streaming");
  return src.is_s3() ? src.service : dst.service;
}

std::string key_basename(std::string_view key) {
  const std::size_t slash = key.rfind('/');
  return std::string(slash == std::string_view::npos ? key : key.substr(slash + 1));
}

std::string directory_prefix(std::string_view key) {
  std::string prefix(key);
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  return prefix;
}

}  // namespace s3cli
