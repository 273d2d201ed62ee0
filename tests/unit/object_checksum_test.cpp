// The stored-CRC32C comparison's pure half: reading x-amz-checksum-crc32c values, and a file's CRC32C
// whole or as a multipart upload's composite. (The HEADs and part layouts run against the fault server
// and MinIO in tests/integration/test_sync.py.)
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/crc32c.hpp"
#include "raws3/error.hpp"
#include "raws3/object_checksum.hpp"
#include "s3/checksums.hpp"

using namespace raws3;

namespace {

std::uint32_t crc_of(std::string_view text) { return io::crc32c(std::as_bytes(std::span(text.data(), text.size()))); }

struct TempFile {
  explicit TempFile(const std::string& content)
      : path(std::filesystem::temp_directory_path() / ("object_checksum_test." + std::to_string(::getpid()))) {
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path); }
  std::filesystem::path path;
};

}  // namespace

TEST_CASE("x-amz-checksum-crc32c values: whole-object and composite forms, anything else refused") {
  // CRC32C("123456789") is 0xE3069283, the check value of the Castagnoli polynomial.
  const std::string whole = s3::crc32c_base64(0xE3069283);
  CHECK(whole == "4waSgw==");
  CHECK(parse_stored_crc32c(whole) == StoredCrc32c{0xE3069283, 0});
  CHECK(parse_stored_crc32c(whole + "-3") == StoredCrc32c{0xE3069283, 3});
  for (const char* bad : {"", "4waSgw=", "4waSgw==-", "4waSgw==-0", "4waSgw==-x", "4waSgw==-2-3", "4waSgx==",
                          "****gw==", "4waSgw==4waSgw=="}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_stored_crc32c(bad));
  }
}

TEST_CASE("CRC32C of a concatenation from its pieces' values and the second's length") {
  CHECK(io::crc32c_combine(crc_of("1234"), crc_of("56789"), 5) == 0xE3069283);
  CHECK(io::crc32c_combine(crc_of(""), crc_of("123456789"), 9) == 0xE3069283);
  CHECK(io::crc32c_combine(crc_of("123456789"), crc_of(""), 0) == 0xE3069283);
  // Pieces longer than a byte's worth of squarings, and of odd lengths.
  std::string a(70000, 'a'), b(123457, 'b');
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<char>(i * 7);
  CHECK(io::crc32c_combine(crc_of(a), crc_of(b), b.size()) == crc_of(a + b));
}

TEST_CASE("a file's CRC32C whole, and as the composite of its parts' CRC32Cs") {
  const TempFile file("123456789");
  CHECK(file_crc32c(file.path, {}) == StoredCrc32c{0xE3069283, 0});

  // S3's composite: the CRC32C of the parts' CRC32Cs, four bytes each, most significant first.
  std::string concatenated;
  for (std::string_view part : {"1234", "56789"})
    for (int shift = 24; shift >= 0; shift -= 8) concatenated.push_back(static_cast<char>(crc_of(part) >> shift));
  const std::vector<std::uint64_t> sizes{4, 5};
  CHECK(file_crc32c(file.path, sizes) == StoredCrc32c{crc_of(concatenated), 2});
  const std::vector<std::uint64_t> one{9};
  CHECK(file_crc32c(file.path, one).parts == 1);
  CHECK(file_crc32c(file.path, one).crc != 0xE3069283);  // a one-part composite is not the whole-file value

  const std::vector<std::uint64_t> too_long{4, 6}, too_short{4, 4};
  CHECK_THROWS_AS(file_crc32c(file.path, too_long), FileError);
  CHECK_THROWS_AS(file_crc32c(file.path, too_short), FileError);
  CHECK_THROWS_AS(file_crc32c(file.path.string() + ".missing", {}), FileError);
}
