// CRC32C (Castagnoli), the checksum S3 verifies in x-amz-checksum-crc32c. SSE4.2's crc32 instruction
// where the CPU has it (chosen once, at run time), a table otherwise; both give the same values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace raws3::io {

// Extends crc (the CRC32C of what came before; 0 for nothing) over data.
std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t crc = 0) noexcept;

// The CRC32C of A followed by B from CRC32C(A), CRC32C(B) and B's length, without the bytes: a multipart
// object's whole-object value from its parts' values.
std::uint32_t crc32c_combine(std::uint32_t first, std::uint32_t second, std::uint64_t second_length) noexcept;

// The portable implementation alone, for tests that hold the hardware one to it.
std::uint32_t crc32c_portable(std::span<const std::byte> data, std::uint32_t crc = 0) noexcept;

// Whether crc32c() uses the CPU's instruction.
bool crc32c_hardware() noexcept;

}  // namespace raws3::io
