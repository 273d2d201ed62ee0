#include "store/object_url.hpp"

#include <algorithm>

#include "auth/ascii.hpp"
#include "auth/uri_encode.hpp"
#include "raws3/error.hpp"
#include "s3/addressing.hpp"

namespace raws3::store {
namespace {

[[noreturn]] void fail(std::string_view arg, std::string_view why) {
  throw ConfigError("invalid location \"" + std::string(arg) + "\": " + std::string(why));
}

// RFC 3986's scheme syntax; anything else before a ':' is part of a file name.
bool is_scheme(std::string_view s) {
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  return !s.empty() && alpha(s.front()) && std::all_of(s.begin(), s.end(), [&](char c) {
    return alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
}

Location s3_location(std::string_view arg, std::string_view rest) {
  const std::size_t slash = rest.find('/');
  Location loc{Location::S3, std::string(rest.substr(0, slash)), {}, {}, Service::S3};
  if (slash != std::string_view::npos) loc.key = rest.substr(slash + 1);
  if (loc.bucket.empty()) fail(arg, "no bucket name (expected s3://bucket/key)");
  if (!s3::is_valid_bucket_name(loc.bucket))
    fail(arg, "invalid bucket name \"" + loc.bucket + "\" (expected letters, digits, '.', '-' or '_')");
  return loc;
}

// Azure's container names: 3 to 63 of lower-case letters, digits and single '-', starting with a letter or
// digit ("$root" and "$web" are the service's own).
bool is_valid_container_name(std::string_view name) {
  if (name == "$root" || name == "$web") return true;
  if (name.size() < 3 || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  if (name.find("--") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

Location blob_location(std::string_view arg, std::string_view rest) {
  const std::size_t slash = rest.find('/');
  Location loc{Location::S3, std::string(rest.substr(0, slash)), {}, {}, Service::AzureBlob};
  if (slash != std::string_view::npos) loc.key = rest.substr(slash + 1);
  if (loc.bucket.empty()) fail(arg, "no container name (expected az://container/blob)");
  if (!is_valid_container_name(loc.bucket))
    fail(arg, "invalid container name \"" + loc.bucket + "\" (expected 3 to 63 lower-case letters, digits and '-')");
  return loc;
}

// RFC 8089: file:/abs, file:///abs, file://localhost/abs.
Location file_location(std::string_view arg, std::string_view rest) {
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    const std::size_t slash = rest.find('/');
    const std::string_view host = rest.substr(0, slash);
    if (!host.empty() && !auth::ascii_iequals(host, "localhost")) fail(arg, "file URLs name local files only");
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  if (!rest.starts_with('/')) fail(arg, "a file URL needs an absolute path (file:///path)");
  Location loc{Location::File, {}, {}, {}, Service::S3};
  try {
    loc.path = auth::uri_decode(rest);
  } catch (const ConfigError& e) {
    fail(arg, e.what());
  }
  if (loc.path.find('\0') != std::string::npos) fail(arg, "%00 cannot be part of a file name");
  return loc;
}

}  // namespace

Location parse_location(std::string_view arg) {
  if (arg.empty()) fail(arg, "empty");
  if (arg == "-") return Location{Location::Stdio, {}, {}, {}, Service::S3};

  if (const std::size_t colon = arg.find(':');
      colon != std::string_view::npos && is_scheme(arg.substr(0, colon))) {
    const std::string_view scheme = arg.substr(0, colon);
    const std::string_view rest = arg.substr(colon + 1);
    if (auth::ascii_iequals(scheme, "s3")) {
      if (!rest.starts_with("//")) fail(arg, "expected s3://bucket/key");
      return s3_location(arg, rest.substr(2));
    }
    if (auth::ascii_iequals(scheme, "az")) {
      if (!rest.starts_with("//")) fail(arg, "expected az://container/blob");
      return blob_location(arg, rest.substr(2));
    }
    if (auth::ascii_iequals(scheme, "file")) return file_location(arg, rest);
    if (rest.starts_with("//"))
      fail(arg, "unsupported scheme \"" + std::string(scheme) + "\" (expected s3://, az:// or file://)");
  }
  return Location{Location::File, {}, {}, std::string(arg), Service::S3};
}

}  // namespace raws3::store
