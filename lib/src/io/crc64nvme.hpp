// CRC-64/NVME, the checksum S3 computes for every object uploaded without one (x-amz-checksum-crc64nvme):
// polynomial 0xAD93D23594C93659, reflected, all ones in and out. Tables, slicing eight bytes at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace raws3::io {

// Extends crc (the CRC-64/NVME of what came before; 0 for nothing) over data.
std::uint64_t crc64nvme(std::span<const std::byte> data, std::uint64_t crc = 0) noexcept;

// The CRC of A followed by B from CRC(A), CRC(B) and B's length, without the bytes.
std::uint64_t crc64nvme_combine(std::uint64_t first, std::uint64_t second, std::uint64_t second_length) noexcept;

}  // namespace raws3::io
