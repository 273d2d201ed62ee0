#include "raws3/object_checksum.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <future>
#include <vector>

#include "io/crc32c.hpp"
#include "io/file_descriptor.hpp"
#include "s3/checksums.hpp"

namespace raws3 {
namespace {

constexpr std::size_t kReadSize = 1 << 20;

std::optional<std::uint32_t> decode_crc(std::string_view text) {
  // Four bytes are eight base64 characters, the last two "==": 22 bits of the first six carry the CRC.
  if (text.size() != 8 || !text.ends_with("==")) return std::nullopt;
  std::uint64_t bits = 0;
  for (char c : text.substr(0, 6)) {
    unsigned v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else return std::nullopt;
    bits = bits << 6 | v;
  }
  const auto crc = static_cast<std::uint32_t>(bits >> 4);
  if (s3::crc32c_base64(crc) != text) return std::nullopt;  // stray low bits: not what a server writes
  return crc;
}

std::uint32_t composite_of(const std::vector<std::uint32_t>& part_crcs) {
  std::vector<std::byte> bytes;
  bytes.reserve(part_crcs.size() * 4);
  for (std::uint32_t crc : part_crcs)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::byte>(crc >> shift));
  return io::crc32c(bytes);
}

// Every part of part_size but the last, which holds the rest: how s3-cli, awscli and the SDKs upload.
std::optional<std::vector<std::uint64_t>> uniform_layout(std::uint64_t size, std::uint64_t part_size, unsigned parts) {
  if (part_size == 0 || parts == 0 || (parts - 1) * part_size >= size + (size == 0) || parts * part_size < size)
    return std::nullopt;
  std::vector<std::uint64_t> sizes(parts, part_size);
  sizes.back() = size - (parts - 1) * part_size;
  return sizes;
}

bool matches(const std::string& path, std::span<const std::uint64_t> sizes, const StoredCrc32c& stored) {
  return file_crc32c(path, sizes) == stored;
}

// The whole-object CRC32C of an object, folded from its parts' values and sizes where it holds a composite
// (every part's HEAD in checksum mode); nullopt when a part's value is missing.
std::optional<std::uint32_t> whole_crc32c(Client& client, const ObjectChecksum& object, const StoredCrc32c& stored) {
  if (stored.parts == 0) return stored.crc;
  std::vector<std::future<HeadResult>> heads;
  for (unsigned n = 1; n <= stored.parts; ++n)
    heads.push_back(client.head_object_async(object.bucket, object.key, HeadOptions{.checksum = true, .part_number = n}));
  std::uint32_t crc = 0;
  for (std::future<HeadResult>& head : heads) {
    const HeadResult part = head.get();
    const std::optional<StoredCrc32c> value = parse_stored_crc32c(part.checksum_crc32c);
    if (!value || value->parts != 0) return std::nullopt;
    crc = io::crc32c_combine(crc, value->crc, part.part.length);
  }
  return crc;
}

}  // namespace

std::optional<StoredCrc32c> parse_stored_crc32c(std::string_view value) {
  StoredCrc32c stored;
  if (const std::size_t dash = value.find('-'); dash != std::string_view::npos) {
    const std::string_view count = value.substr(dash + 1);
    const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), stored.parts);
    if (ec != std::errc() || end != count.data() + count.size() || stored.parts == 0) return std::nullopt;
    value = value.substr(0, dash);
  }
  const std::optional<std::uint32_t> crc = decode_crc(value);
  if (!crc) return std::nullopt;
  stored.crc = *crc;
  return stored;
}

StoredCrc32c file_crc32c(const std::string& path, std::span<const std::uint64_t> part_sizes) {
  io::FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw FileError(path + ": " + std::strerror(errno));
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  std::vector<std::byte> buffer(kReadSize);
  // Reads `length` bytes (nullopt: to the end), returning their CRC32C.
  auto crc_of = [&](std::optional<std::uint64_t> length) {
    std::uint32_t crc = 0;
    std::uint64_t left = length.value_or(UINT64_MAX);
    while (left > 0) {
      const ssize_t n = ::read(fd.get(), buffer.data(), static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size())));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw FileError(path + ": " + std::strerror(errno));
      if (n == 0) break;
      crc = io::crc32c(std::span(buffer.data(), static_cast<std::size_t>(n)), crc);
      left -= static_cast<std::uint64_t>(n);
    }
    if (length && left != 0) throw FileError(path + ": shorter than the object's parts (changed while read?)");
    return crc;
  };
  if (part_sizes.empty()) return {crc_of(std::nullopt), 0};
  std::vector<std::uint32_t> crcs;
  crcs.reserve(part_sizes.size());
  for (std::uint64_t size : part_sizes) crcs.push_back(crc_of(size));
  std::byte past_end;
  if (::read(fd.get(), &past_end, 1) != 0) throw FileError(path + ": longer than the object's parts (changed while read?)");
  return {composite_of(crcs), static_cast<unsigned>(part_sizes.size())};
}

ChecksumMatch compare_file_with_object(Client& client, const std::string& path, const std::string& bucket,
                                       const std::string& key, const HeadResult& head) {
  const std::optional<StoredCrc32c> stored = parse_stored_crc32c(head.checksum_crc32c);
  if (!stored) return ChecksumMatch::Unknown;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw FileError(path + ": " + std::strerror(errno));
  if (static_cast<std::uint64_t>(st.st_size) != head.size) return ChecksumMatch::Different;
  if (stored->parts == 0) return matches(path, {}, *stored) ? ChecksumMatch::Same : ChecksumMatch::Different;

  // A composite: first as if every part but the last had part 1's size, which one HEAD tells.
  const HeadResult first = client.head_object(bucket, key, HeadOptions{.checksum = false, .part_number = 1});
  const std::optional<std::vector<std::uint64_t>> uniform = uniform_layout(head.size, first.part.length, stored->parts);
  if (uniform && matches(path, *uniform, *stored)) return ChecksumMatch::Same;
  // Either the bytes differ or the parts were of other sizes: every part's size settles it.
  std::vector<std::future<HeadResult>> heads;
  for (unsigned n = 2; n <= stored->parts; ++n)
    heads.push_back(client.head_object_async(bucket, key, HeadOptions{.checksum = false, .part_number = n}));
  std::vector<std::uint64_t> sizes{first.part.length};
  std::uint64_t total = first.part.length;
  for (std::future<HeadResult>& part : heads) {
    sizes.push_back(part.get().part.length);
    total += sizes.back();
  }
  if (total != head.size || (uniform && sizes == *uniform)) return ChecksumMatch::Different;
  return matches(path, sizes, *stored) ? ChecksumMatch::Same : ChecksumMatch::Different;
}

ChecksumMatch compare_objects(Client& client, const ObjectChecksum& a, const ObjectChecksum& b) {
  const std::optional<StoredCrc32c> first = parse_stored_crc32c(a.head.checksum_crc32c);
  const std::optional<StoredCrc32c> second = parse_stored_crc32c(b.head.checksum_crc32c);
  if (!first || !second) return ChecksumMatch::Unknown;
  if (a.head.size != b.head.size) return ChecksumMatch::Different;
  if (*first == *second) return ChecksumMatch::Same;
  // Other forms (a copy that the server gave a whole-object value), or composites of other layouts.
  const std::optional<std::uint32_t> whole_a = whole_crc32c(client, a, *first);
  const std::optional<std::uint32_t> whole_b = whole_crc32c(client, b, *second);
  if (!whole_a || !whole_b) return ChecksumMatch::Unknown;
  return *whole_a == *whole_b ? ChecksumMatch::Same : ChecksumMatch::Different;
}

}  // namespace raws3
