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

// AWS S3's own endpoint names, where Addressing::Auto means virtual-hosted: a host under amazonaws.com or
// amazonaws.com.cn whose first label is "s3" or starts with "s3-". That covers s3.amazonaws.com,
// s3.<region>.amazonaws.com, the legacy s3-<region> and s3-external-1 names, s3.dualstack.<region>,
// s3-fips.<region>, s3-fips.dualstack.<region>, s3-accelerate(.dualstack), GovCloud and China. Not
// covered, so path-style: VPC interface endpoints (vpce-*.s3.<region>.vpce.amazonaws.com, which serve both
// styles) and every other host. host is lower-case, as http::parse_url gives it.
bool is_aws_s3_host(std::string_view host);

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
