#include "s3/memory_limit.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "raws3/error.hpp"

namespace raws3::s3 {

namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The decimal number text starts with, after blanks; nullopt for anything else (a cgroup's "max").
std::optional<std::uint64_t> leading_number(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t");
  if (start == std::string_view::npos) return std::nullopt;
  text.remove_prefix(start);
  std::uint64_t value = 0;
  if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc()) return std::nullopt;
  return value;
}

// The lines of text, without their '\n'.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

// The number after `key` on the line that starts with it: "MemAvailable: 123 kB", "inactive_file 456".
std::optional<std::uint64_t> keyed_number(std::string_view text, std::string_view key) {
  for (const std::string_view line : lines_of(text)) {
    if (line.size() > key.size() && line.starts_with(key) && (line[key.size()] == ' ' || line[key.size()] == '\t'))
      return leading_number(line.substr(key.size()));
  }
  return std::nullopt;
}

// A cgroup hierarchy's names for the memory limit, the usage and the page cache reclaimed first.
struct CgroupFiles {
  std::string_view limit;
  std::string_view usage;
  std::string_view inactive_file;  // its key in memory.stat
};
constexpr CgroupFiles kCgroupV2{"memory.max", "memory.current", "inactive_file"};
constexpr CgroupFiles kCgroupV1{"memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"};

// Lowers `available` to what the cgroup at dir leaves, when it has a limit.
void cap_by_cgroup(const std::string& dir, const CgroupFiles& files, MemoryAvailable& available) {
  const std::string limit_file = dir + "/" + std::string(files.limit);
  const std::optional<std::string> limit_text = read_text(limit_file);
  const std::optional<std::uint64_t> limit = limit_text ? leading_number(*limit_text) : std::nullopt;
  if (!limit) return;
  const std::optional<std::string> usage_text = read_text(dir + "/" + std::string(files.usage));
  const std::optional<std::string> stat_text = read_text(dir + "/memory.stat");
  const std::uint64_t usage = usage_text ? leading_number(*usage_text).value_or(0) : 0;
  const std::uint64_t inactive = stat_text ? keyed_number(*stat_text, files.inactive_file).value_or(0) : 0;
  // The working set as the kubelet reckons it: inactive page cache goes before the limit bites.
  const std::uint64_t working_set = usage > inactive ? usage - inactive : 0;
  const std::uint64_t headroom = *limit > working_set ? *limit - working_set : 0;
  if (headroom < available.bytes) available = {headroom, limit_file};
}

}  // namespace

MemoryAvailable available_memory(const std::string& proc, const std::string& cgroup_root) {
  MemoryAvailable available{std::numeric_limits<std::uint64_t>::max(), "no limit found"};
  if (const std::optional<std::string> meminfo = read_text(proc + "/meminfo"))
    if (const std::optional<std::uint64_t> kib = keyed_number(*meminfo, "MemAvailable:"))
      available = {*kib * 1024, "MemAvailable in " + proc + "/meminfo"};

  // /proc/self/cgroup: "0::/path" for cgroup v2, "N:controller,...:/path" for each v1 hierarchy.
  const std::string cgroups = read_text(proc + "/self/cgroup").value_or("");
  for (const std::string_view line : lines_of(cgroups)) {
    const std::size_t colon = line.find(':');
    const std::size_t second = colon == std::string_view::npos ? colon : line.find(':', colon + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view controllers = line.substr(colon + 1, second - colon - 1);
    std::string_view path = line.substr(second + 1);
    const CgroupFiles* files = nullptr;
    std::string base;
    if (line.substr(0, colon) == "0" && controllers.empty()) {
      files = &kCgroupV2;
      base = cgroup_root;
    } else if (("," + std::string(controllers) + ",").find(",memory,") != std::string::npos) {
      files = &kCgroupV1;
      base = cgroup_root + "/memory";
    } else {
      continue;
    }
    // Every cgroup up to the root limits what its members take together.
    for (;;) {
      cap_by_cgroup(base + std::string(path.size() > 1 ? path : ""), *files, available);
      const std::size_t slash = path.rfind('/');
      if (path.size() <= 1 || slash == std::string_view::npos) break;
      path = path.substr(0, std::max<std::size_t>(slash, 1));
    }
  }
  return available;
}

void check_fits_in_memory(std::uint64_t size, const std::string& url) {
  // Reading the figures costs a handful of /proc and cgroup files, tens to hundreds of microseconds: more
  // than a small GET's whole round trip, to guard against a failure no running process is that close to.
  constexpr std::uint64_t kAlwaysFits = 64 << 20;
  if (size <= kAlwaysFits) return;
  const MemoryAvailable available = available_memory();
  if (size <= available.bytes) return;
  throw Error(url + " has " + std::to_string(size) + " bytes, more than the " +
              std::to_string(available.bytes) + " bytes of memory available (" + available.source +
              "): read it with get_to_file or get_to instead");
}

}  // namespace raws3::s3
