// Where an S3 request goes: the Host header and the wire path for a bucket and key on an endpoint.
#pragma once

#include <string>
#include <string_view>

#include "http/url.hpp"
#include "raws3/addressing.hpp"

namespace raws3::s3 {

// Names any S3-compatible server may accept: 1-255 of A-Z a-z 0-9 . - _ (as botocore checks them).
bool is_valid_bucket_name(std::string_view bucket);

// AWS's rules for bucket names, which make them DNS labels: 3-63 of a-z 0-9 . -, letters or digits at
// both ends and around each dot, not an IPv4 address.
bool is_dns_compatible_bucket(std::string_view bucket);

struct RequestTarget {
  std::string host_header;
  std::string path;  // percent-encoded, as on the wire and as signed
};

// The endpoint's own path, if any, is a prefix of every request path. The key is percent-encoded with
// '/' kept and is otherwise taken verbatim: "a//b/./c" stays so, and "/k" gives "/bucket//k". An empty
// bucket addresses the service itself ("/", ListBuckets).
// Throws raws3::ConfigError for a bucket that is not a valid name, or that the addressing asked for
// cannot carry (virtual-hosted with an IP endpoint or a name that is not a DNS label), or a key without
// a bucket.
RequestTarget make_target(const http::Url& endpoint, Addressing addressing, std::string_view bucket,
                          std::string_view key);

// https://s3.<region>.amazonaws.com (.amazonaws.com.cn for China's regions).
// Throws raws3::ConfigError for a region that is not a-z 0-9 -.
http::Url aws_endpoint(std::string_view region);

}  // namespace raws3::s3
