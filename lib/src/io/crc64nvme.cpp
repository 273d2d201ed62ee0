#include "io/crc64nvme.hpp"

#include <array>
#include <cstring>

namespace raws3::io {

namespace {

// The raw register (no pre- and post-inversion), as in crc32c.cpp; the public functions invert at the edges.
constexpr std::uint64_t kPolynomial = 0x9A6C9329AC4BC9B5;  // 0xAD93D23594C93659 bit-reversed

// Slicing-by-8 tables: table[k][b] is the register after byte b followed by k zero bytes.
struct Tables {
  std::array<std::array<std::uint64_t, 256>, 8> t{};
  constexpr Tables() {
    for (std::uint64_t b = 0; b < 256; ++b) {
      std::uint64_t r = b;
      for (int i = 0; i < 8; ++i) r = (r >> 1) ^ (kPolynomial & (0ull - (r & 1)));
      t[0][b] = r;
    }
    for (std::size_t k = 1; k < 8; ++k)
      for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
};
constexpr Tables kTables;

std::uint64_t update(std::uint64_t r, const unsigned char* p, std::size_t n) noexcept {
  const auto& t = kTables.t;
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);  // little-endian x86/arm64: the first byte is the low one
    v ^= r;
    r = t[7][v & 0xFF] ^ t[6][(v >> 8) & 0xFF] ^ t[5][(v >> 16) & 0xFF] ^ t[4][(v >> 24) & 0xFF] ^
        t[3][(v >> 32) & 0xFF] ^ t[2][(v >> 40) & 0xFF] ^ t[1][(v >> 48) & 0xFF] ^ t[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) r = (r >> 8) ^ t[0][(r ^ *p++) & 0xFF];
  return r;
}

// a * b modulo the polynomial, both reflected (bit 63 is x^0).
std::uint64_t multiply_mod(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t product = 0;
  for (std::uint64_t m = 1ull << 63; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b >> 1) ^ (kPolynomial & (0ull - (b & 1)));
  }
  return product;
}

// x^(8 * bytes) modulo the polynomial, by squarings: the shift that appending that many bytes applies.
std::uint64_t shift_for(std::uint64_t bytes) noexcept {
  std::uint64_t power = 1ull << 63;         // x^0
  std::uint64_t square = 1ull << (63 - 8);  // x^8, one byte
  for (; bytes != 0; bytes >>= 1) {
    if (bytes & 1) power = multiply_mod(square, power);
    square = multiply_mod(square, square);
  }
  return power;
}

}  // namespace

std::uint64_t crc64nvme(std::span<const std::byte> data, std::uint64_t crc) noexcept {
  return ~update(~crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::uint64_t crc64nvme_combine(std::uint64_t first, std::uint64_t second, std::uint64_t second_length) noexcept {
  return multiply_mod(shift_for(second_length), first) ^ second;
}

}  // namespace raws3::io
