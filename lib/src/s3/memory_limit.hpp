// How much memory an object read whole into memory may take, checked before room is made for it: a string
// sized to an object larger than memory is zero-filled page by page until the OOM killer ends the process.
#pragma once

#include <cstdint>
#include <string>

namespace raws3::s3 {

struct MemoryAvailable {
  std::uint64_t bytes = 0;
  std::string source;  // what set the bound: "MemAvailable" or a cgroup's limit file
};

// /proc/meminfo's MemAvailable, capped by each cgroup the process is in (v2 memory.max, v1
// memory.limit_in_bytes, up to the root) less that cgroup's working set. The roots are parameters so that
// tests can point them at a fake tree.
MemoryAvailable available_memory(const std::string& proc = "/proc", const std::string& cgroup_root = "/sys/fs/cgroup");

// Throws raws3::Error naming the object (its URL: s3://bucket/key), its size and the memory available when an object of `size`
// bytes cannot be held in memory. Sizes up to 64 MiB pass unchecked.
void check_fits_in_memory(std::uint64_t size, const std::string& url);

}  // namespace raws3::s3
