// How a bucket is named in a request: in the path (/bucket/key) or in the host (bucket.endpoint/key).
#pragma once

namespace raws3 {

enum class Addressing {
  Auto,     // virtual-hosted where it can work, path-style for IP or localhost endpoints and odd bucket names
  Path,     // always /bucket/key: MinIO, Ceph and most local servers
  Virtual,  // always bucket.host/key: AWS's preferred form
};

}  // namespace raws3
