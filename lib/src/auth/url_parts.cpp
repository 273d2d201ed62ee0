#include "auth/url_parts.hpp"

#include "auth/ascii.hpp"

namespace raws3::auth {

std::optional<UrlParts> split_url(std::string_view url) {
  const auto separator = url.find("://");
  if (separator == std::string_view::npos || separator == 0) return std::nullopt;
  UrlParts parts;
  parts.scheme = ascii_lower(url.substr(0, separator));
  std::string_view rest = url.substr(separator + 3);
  const auto path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  parts.path = path_at == std::string_view::npos || rest[path_at] != '/'
                   ? "/"
                   : std::string(rest.substr(path_at, rest.find_first_of("?#", path_at) - path_at));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  parts.authority = ascii_lower(authority);
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    parts.host = ascii_lower(authority.substr(1, close - 1));
  } else {
    parts.host = ascii_lower(authority.substr(0, authority.find(':')));
  }
  if (parts.host.empty()) return std::nullopt;
  return parts;
}

}  // namespace raws3::auth
