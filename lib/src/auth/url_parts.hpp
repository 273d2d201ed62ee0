// The pieces of a provider URL that auth/ itself needs: the host a container URL may name, the Host header
// and path an STS call is signed with. Connecting is the transport's business (http/url.hpp there).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace raws3::auth {

struct UrlParts {
  std::string scheme;     // lower-case
  std::string host;       // lower-case; an IPv6 address without its brackets
  std::string authority;  // host[:port] as written (IPv6 in brackets), lower-cased: the Host header
  std::string path;       // "/" when the URL has none
};

// nullopt for anything but "scheme://authority[/path]" with a host.
std::optional<UrlParts> split_url(std::string_view url);

}  // namespace raws3::auth
