#include "io/crc64nvme.hpp"

#include "io/reflected_crc.hpp"

namespace raws3::io {

namespace {

using Crc64Nvme = ReflectedCrc<std::uint64_t, 0x9A6C9329AC4BC9B5>;  // 0xAD93D23594C93659 bit-reversed

}  // namespace

std::uint64_t crc64nvme(std::span<const std::byte> data, std::uint64_t crc) noexcept {
  return ~Crc64Nvme::update(~crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::uint64_t crc64nvme_combine(std::uint64_t first, std::uint64_t second, std::uint64_t second_length) noexcept {
  return Crc64Nvme::combine(first, second, second_length);
}

}  // namespace raws3::io
