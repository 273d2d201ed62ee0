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
  Location loc{Location::S3, std::string(rest.substr(0, slash)), {}, {}};
  if (slash != std::string_view::npos) loc.key = rest.substr(slash + 1);
  if (loc.bucket.empty()) fail(arg, "no bucket name (expected s3://bucket/key)");
  if (!s3::is_valid_bucket_name(loc.bucket))
    fail(arg, "invalid bucket name \"" + loc.bucket + "\" (expected letters, digits, '.', '-' or '_')");
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
  Location loc{Location::File, {}, {}, {}};
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
  if (arg == "-") return Location{Location::Stdio, {}, {}, {}};

  if (const std::size_t colon = arg.find(':');
      colon != std::string_view::npos && is_scheme(arg.substr(0, colon))) {
    const std::string_view scheme = arg.substr(0, colon);
    const std::string_view rest = arg.substr(colon + 1);
    if (auth::ascii_iequals(scheme, "s3")) {
      if (!rest.starts_with("//")) fail(arg, "expected s3://bucket/key");
      return s3_location(arg, rest.substr(2));
    }
    if (auth::ascii_iequals(scheme, "file")) return file_location(arg, rest);
    if (rest.starts_with("//"))
      fail(arg, "unsupported scheme \"" + std::string(scheme) + "\" (expected s3:// or file://)");
  }
  return Location{Location::File, {}, {}, std::string(arg)};
}

}  // namespace raws3::store
