// How a bucket is named in a request: in the path (/bucket/key) or in the host (bucket.endpoint/key).
#pragma once

namespace raws3 {

enum class Addressing {
  // Virtual-hosted on AWS S3's own endpoints (no endpoint URL configured, or one such as
  // s3.<region>.amazonaws.com, s3-<region>, dualstack, FIPS, accelerate, .amazonaws.com.cn), except for
  // names that are not DNS labels and dotted names under TLS; path-style on every other (custom)
  // endpoint, as s5cmd and mc do: MinIO or Ceph at https://minio.example:9000 is asked for
  // minio.example:9000/bucket, never bucket.minio.example.
  Auto,
  Path,     // always /bucket/key: MinIO, Ceph and most local servers
  Virtual,  // always bucket.host/key: AWS's preferred form, and custom endpoints with wildcard DNS
};

}  // namespace raws3
