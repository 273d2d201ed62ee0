#include "io/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace raws3::io {

namespace {

// Both implementations work on the raw register (no pre- and post-inversion); the public functions
// invert at the edges, so pieces chain.
constexpr std::uint32_t kPolynomial = 0x82F63B78;  // 0x1EDC6F41 bit-reversed

// Slicing-by-8 tables: table[k][b] is the register after byte b followed by k zero bytes.
struct Tables {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  constexpr Tables() {
    for (std::uint32_t b = 0; b < 256; ++b) {
      std::uint32_t r = b;
      for (int i = 0; i < 8; ++i) r = (r >> 1) ^ (kPolynomial & (0u - (r & 1)));
      t[0][b] = r;
    }
    for (std::size_t k = 1; k < 8; ++k)
      for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
};
constexpr Tables kTables;

std::uint32_t portable_update(std::uint32_t r, const unsigned char* p, std::size_t n) noexcept {
  const auto& t = kTables.t;
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);  // little-endian x86/arm64: the first byte is the low one
    const std::uint32_t lo = std::uint32_t(v) ^ r;
    const std::uint32_t hi = std::uint32_t(v >> 32);
    r = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
        t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) r = (r >> 8) ^ t[0][(r ^ *p++) & 0xFF];
  return r;
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

// a * b modulo the polynomial, both reflected (bit 31 is x^0).
std::uint32_t multiply_mod(std::uint32_t a, std::uint32_t b) noexcept {
  std::uint32_t product = 0;
  for (std::uint32_t m = 1u << 31; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b >> 1) ^ (kPolynomial & (0u - (b & 1)));
  }
  return product;
}

// x^(8 * bytes) modulo the polynomial, by squarings: the shift that appending that many bytes applies.
std::uint32_t shift_for(std::uint64_t bytes) noexcept {
  std::uint32_t power = 1u << 31;       // x^0
  std::uint32_t square = 1u << (31 - 8);  // x^8, one byte
  for (; bytes != 0; bytes >>= 1) {
    if (bytes & 1) power = multiply_mod(square, power);
    square = multiply_mod(square, square);
  }
  return power;
}

}  // namespace

std::uint32_t crc32c_combine(std::uint32_t first, std::uint32_t second, std::uint64_t second_length) noexcept {
  return multiply_mod(shift_for(second_length), first) ^ second;
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
