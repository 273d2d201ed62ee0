#include "io/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "io/reflected_crc.hpp"

namespace raws3::io {

namespace {

// Both implementations work on the raw register (no pre- and post-inversion); the public functions
// invert at the edges, so pieces chain.
using Crc32c = ReflectedCrc<std::uint32_t, 0x82F63B78>;  // 0x1EDC6F41 bit-reversed

std::uint32_t portable_update(std::uint32_t r, const unsigned char* p, std::size_t n) noexcept {
  return Crc32c::update(r, p, n);
}

#if defined(__x86_64__)
// One crc32 instruction has a latency of three cycles but a throughput of one: three independent lanes
// over three consecutive blocks keep it busy, and their registers are joined by "shifting" the first
// ones over the blocks after them. Shifting a register over kLane zero bytes is linear in its bits:
// four byte-indexed tables hold it.
constexpr std::size_t kLane = 8192;

struct LaneShift {
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  LaneShift() {
    static const unsigned char zeros[kLane] = {};
    std::uint32_t column[32];
    for (int bit = 0; bit < 32; ++bit) column[bit] = portable_update(1u << bit, zeros, kLane);
    for (int k = 0; k < 4; ++k)
      for (std::uint32_t b = 0; b < 256; ++b) {
        std::uint32_t r = 0;
        for (int bit = 0; bit < 8; ++bit)
          if (b & (1u << bit)) r ^= column[8 * k + bit];
        t[std::size_t(k)][b] = r;
      }
  }
  std::uint32_t operator()(std::uint32_t r) const noexcept {
    return t[0][r & 0xFF] ^ t[1][(r >> 8) & 0xFF] ^ t[2][(r >> 16) & 0xFF] ^ t[3][r >> 24];
  }
};

__attribute__((target("sse4.2"))) std::uint32_t hardware_update(std::uint32_t r, const unsigned char* p,
                                                                 std::size_t n) noexcept {
  static const LaneShift shift;
  auto word = [](const unsigned char* at) {
    std::uint64_t v;
    std::memcpy(&v, at, 8);
    return v;
  };
  while (n >= 3 * kLane) {
    std::uint64_t a = r, b = 0, c = 0;
    for (std::size_t i = 0; i < kLane; i += 8) {
      a = _mm_crc32_u64(a, word(p + i));
      b = _mm_crc32_u64(b, word(p + kLane + i));
      c = _mm_crc32_u64(c, word(p + 2 * kLane + i));
    }
    r = shift(shift(std::uint32_t(a)) ^ std::uint32_t(b)) ^ std::uint32_t(c);
    p += 3 * kLane;
    n -= 3 * kLane;
  }
  std::uint64_t r64 = r;
  for (; n >= 8; p += 8, n -= 8) r64 = _mm_crc32_u64(r64, word(p));
  r = std::uint32_t(r64);
  while (n--) r = _mm_crc32_u8(r, *p++);
  return r;
}

bool cpu_has_sse42() noexcept {
  __builtin_cpu_init();  // we may run before libgcc's own constructor has probed the CPU
  return __builtin_cpu_supports("sse4.2");
}
#else
bool cpu_has_sse42() noexcept { return false; }
std::uint32_t hardware_update(std::uint32_t r, const unsigned char* p, std::size_t n) noexcept {
  return portable_update(r, p, n);
}
#endif

const bool kHardware = cpu_has_sse42();

}  // namespace

std::uint32_t crc32c_combine(std::uint32_t first, std::uint32_t second, std::uint64_t second_length) noexcept {
  return Crc32c::combine(first, second, second_length);
}

std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t crc) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  return ~(kHardware ? hardware_update(~crc, p, data.size()) : portable_update(~crc, p, data.size()));
}

std::uint32_t crc32c_portable(std::span<const std::byte> data, std::uint32_t crc) noexcept {
  return ~portable_update(~crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

bool crc32c_hardware() noexcept { return kHardware; }

}  // namespace raws3::io
