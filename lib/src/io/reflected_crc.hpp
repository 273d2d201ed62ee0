// What the CRCs computed from tables share (CRC32C's portable path, CRC-64/NVME): a reflected CRC of
// Word's width on its raw register, with no pre- and post-inversion (the public functions invert at the
// edges, so pieces chain); slicing eight bytes at a time; and the combination of two pieces' CRCs from
// the second's length alone.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace raws3::io {

template <class Word, Word kPolynomial>  // kPolynomial bit-reversed, as the reflected register shifts
struct ReflectedCrc {
  // table[k][b] is the register after byte b followed by k zero bytes.
  struct Tables {
    std::array<std::array<Word, 256>, 8> t{};
    constexpr Tables() {
      for (unsigned b = 0; b < 256; ++b) {
        Word r = b;
        for (int i = 0; i < 8; ++i) r = (r >> 1) ^ (kPolynomial & (Word(0) - (r & 1)));
        t[0][b] = r;
      }
      for (std::size_t k = 1; k < 8; ++k)
        for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
    }
  };
  static constexpr Tables kTables{};

  static Word update(Word r, const unsigned char* p, std::size_t n) noexcept {
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

  // The CRC of A followed by B from CRC(A), CRC(B) and B's length, without the bytes.
  static Word combine(Word first, Word second, std::uint64_t second_length) noexcept {
    return multiply_mod(shift_for(second_length), first) ^ second;
  }

 private:
  static constexpr int kTop = 8 * sizeof(Word) - 1;

  // a * b modulo the polynomial, both reflected (the top bit is x^0).
  static Word multiply_mod(Word a, Word b) noexcept {
    Word product = 0;
    for (Word m = Word(1) << kTop; m != 0; m >>= 1) {
      if (a & m) product ^= b;
      b = (b >> 1) ^ (kPolynomial & (Word(0) - (b & 1)));
    }
    return product;
  }

  // x^(8 * bytes) modulo the polynomial, by squarings: the shift that appending that many bytes applies.
  static Word shift_for(std::uint64_t bytes) noexcept {
    Word power = Word(1) << kTop;         // x^0
    Word square = Word(1) << (kTop - 8);  // x^8, one byte
    for (; bytes != 0; bytes >>= 1) {
      if (bytes & 1) power = multiply_mod(square, power);
      square = multiply_mod(square, square);
    }
    return power;
  }
};

}  // namespace raws3::io
