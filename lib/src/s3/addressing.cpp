#include "s3/addressing.hpp"

#include <algorithm>

#include "auth/uri_encode.hpp"
#include "raws3/error.hpp"

namespace raws3::s3 {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool looks_like_ipv4(std::string_view s) {
  return std::count(s.begin(), s.end(), '.') == 3 &&
         s.find_first_not_of("0123456789.") == std::string_view::npos;
}

// A dotted name is a valid DNS name but not one that *.s3.amazonaws.com certificates cover.
bool prefers_path_style(const http::Url& endpoint, std::string_view bucket) {
  return !is_aws_s3_host(endpoint.host) || !is_dns_compatible_bucket(bucket) ||
         (endpoint.tls() && bucket.find('.') != std::string_view::npos);
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

bool is_aws_s3_host(std::string_view host) {
  std::string_view rest = host;
  if (rest.ends_with('.')) rest.remove_suffix(1);  // a fully qualified name
  if (rest.ends_with(".amazonaws.com.cn"))
    rest.remove_suffix(std::string_view(".amazonaws.com.cn").size());
  else if (rest.ends_with(".amazonaws.com"))
    rest.remove_suffix(std::string_view(".amazonaws.com").size());
  else
    return false;
  const std::string_view first_label = rest.substr(0, rest.find('.'));
  return first_label == "s3" || first_label.starts_with("s3-");
}

bool is_valid_bucket_name(std::string_view bucket) {
  return !bucket.empty() && bucket.size() <= 255 && std::all_of(bucket.begin(), bucket.end(), [](char c) {
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_';
  });
}

bool is_dns_compatible_bucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  if (!is_lower_alnum(bucket.front()) || !is_lower_alnum(bucket.back())) return false;
  for (std::size_t i = 0; i < bucket.size(); ++i) {
    const char c = bucket[i];
    if (c == '.') {
      if (!is_lower_alnum(bucket[i - 1]) || !is_lower_alnum(bucket[i + 1])) return false;
    } else if (!is_lower_alnum(c) && c != '-') {
      return false;
    }
  }
  return !looks_like_ipv4(bucket);
}

RequestTarget make_target(const http::Url& endpoint, Addressing addressing, std::string_view bucket,
                          std::string_view key) {
  RequestTarget target{endpoint.authority(), endpoint.path};
  while (target.path.ends_with('/')) target.path.pop_back();

  if (bucket.empty()) {
    if (!key.empty()) throw ConfigError("object key " + quoted(key) + " given without a bucket");
    target.path += '/';
    return target;
  }
  if (!is_valid_bucket_name(bucket)) throw ConfigError("invalid bucket name " + quoted(bucket));

  if (addressing == Addressing::Auto)
    addressing = prefers_path_style(endpoint, bucket) ? Addressing::Path : Addressing::Virtual;
  if (addressing == Addressing::Virtual) {
    if (endpoint.host_is_ip())
      throw ConfigError("virtual-hosted addressing needs a DNS name, not the IP address of endpoint " +
                        endpoint.authority() + " (use path-style addressing)");
    if (!is_dns_compatible_bucket(bucket))
      throw ConfigError("bucket name " + quoted(bucket) +
                        " cannot be part of a host name (use path-style addressing)");
    target.host_header = std::string(bucket) + "." + target.host_header;
    target.path += '/';
  } else {
    target.path += '/';
    auth::uri_encode_append(target.path, bucket);
    if (!key.empty()) target.path += '/';
  }
  auth::uri_encode_append(target.path, key, /*keep_slash=*/true);
  return target;
}

http::Url aws_endpoint(std::string_view region) {
  if (region.empty() ||
      !std::all_of(region.begin(), region.end(), [](char c) { return is_lower_alnum(c) || c == '-'; }))
    throw ConfigError("invalid AWS region " + quoted(region));
  const std::string_view domain = region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
  return http::Url{"https", "s3." + std::string(region) + std::string(domain), 443, ""};
}

}  // namespace raws3::s3
