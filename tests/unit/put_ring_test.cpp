// CRC32C against published vectors and against itself, the chunk ring's lending rules, and part sizes.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "io/chunk_ring.hpp"
#include "io/crc32c.hpp"
#include "io/loop.hpp"
#include "raws3/config.hpp"
#include "raws3/error.hpp"
#include "numeric_locale.hpp"
#include "s3/multipart_put.hpp"

using namespace raws3;

namespace {

std::span<const std::byte> bytes_of(std::string_view s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

std::vector<std::byte> filled(std::size_t n, auto value_at) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::byte(value_at(i));
  return v;
}

// Runs task on loop until it ends; rethrows what it threw.
void run(io::Loop& loop, io::Task<void> task) {
  std::exception_ptr error;
  io::spawn(std::move(task), [&](std::exception_ptr e) {
    error = e;
    loop.request_stop();
  });
  loop.run();
  if (error) std::rethrow_exception(error);
}

}  // namespace

TEST_CASE("crc32c matches RFC 3720's vectors and the check value") {
  const auto zeros = filled(32, [](std::size_t) { return 0; });
  const auto ones = filled(32, [](std::size_t) { return 0xFF; });
  const auto up = filled(32, [](std::size_t i) { return i; });
  const auto down = filled(32, [](std::size_t i) { return 31 - i; });
  for (auto f : {&io::crc32c, &io::crc32c_portable}) {
    CHECK(f(zeros, 0) == 0x8A9136AA);
    CHECK(f(ones, 0) == 0x62A8AB43);
    CHECK(f(up, 0) == 0x46DD794E);
    CHECK(f(down, 0) == 0x113FDB5C);
    CHECK(f(bytes_of("123456789"), 0) == 0xE3069283);
    CHECK(f({}, 0) == 0);
  }
}

TEST_CASE("crc32c: hardware and table agree at every length, alignment and split") {
  std::mt19937_64 random(7);
  std::vector<std::byte> data(200'000 + 64);
  for (auto& b : data) b = std::byte(random());
  INFO("hardware crc32c: " << io::crc32c_hardware());
  for (std::size_t length : {0, 1, 7, 8, 9, 63, 4096, 24575, 24576, 24577, 49152 + 5, 200'000}) {
    for (std::size_t offset : {0, 1, 3, 8}) {
      const std::span<const std::byte> piece(data.data() + offset, length);
      const std::uint32_t whole = io::crc32c_portable(piece);
      CHECK(io::crc32c(piece) == whole);
      const std::size_t cut = length / 3;
      CHECK(io::crc32c(piece.subspan(cut), io::crc32c(piece.first(cut))) == whole);
    }
  }
}

TEST_CASE("chunk ring: lends every chunk once, waits when all are out, takes them back") {
  io::Loop loop;
  io::ChunkRing ring(loop, 1 << 16, 2);
  REQUIRE(ring.available() == 2);
  REQUIRE(ring.mapped() == 0);  // chunks are made as they are first needed
  bool third_arrived = false;
  run(loop, [](io::ChunkRing& ring, bool& third_arrived) -> io::Task<void> {
    io::ChunkRing::Chunk a = co_await ring.acquire();
    io::ChunkRing::Chunk b = co_await ring.acquire();
    CHECK(ring.available() == 0);
    CHECK(ring.mapped() == 2);
    CHECK(a.room().size() == (1u << 16));
    CHECK(a.room().data() != b.room().data());
    a.commit(100);
    CHECK(a.data().size() == 100);
    CHECK(a.room().size() == (1u << 16) - 100);
    CHECK_FALSE(a.full());
    // A third acquire waits until a chunk comes back; it then gets that chunk, emptied.
    std::byte* const first = a.room().data() - 100;
    io::spawn([](io::ChunkRing& ring, bool& arrived, std::byte* expected) -> io::Task<void> {
      io::ChunkRing::Chunk c = co_await ring.acquire();
      CHECK(c.room().data() == expected);
      CHECK(c.filled() == 0);
      arrived = true;
    }(ring, third_arrived, first), [](std::exception_ptr) {});
    CHECK_FALSE(third_arrived);
    a.reset();
    CHECK(third_arrived);
    CHECK(ring.available() == 1);  // the third chunk handle died with its coroutine
  }(ring, third_arrived));
  CHECK(ring.available() == 2);
}

TEST_CASE("chunk ring: grows by one chunk per acquire until it has count, even while one is free") {
  io::Loop loop;
  io::ChunkRing ring(loop, 1 << 16, 3);
  run(loop, [](io::ChunkRing& ring) -> io::Task<void> {
    io::ChunkRing::Chunk a = co_await ring.acquire();
    std::byte* const first = a.room().data();
    a.reset();
    io::ChunkRing::Chunk b = co_await ring.acquire();
    CHECK(ring.mapped() == 2);
    CHECK(b.room().data() != first);
    b.reset();
    io::ChunkRing::Chunk c = co_await ring.acquire();
    c.reset();
    io::ChunkRing::Chunk d = co_await ring.acquire();
    CHECK(d);
    CHECK(ring.mapped() == 3);
  }(ring));
}

TEST_CASE("chunk ring: chunks are registered and take READ_FIXED") {
  io::Loop loop;
  io::ChunkRing ring(loop, 1 << 20, 2);
  char path[] = "/tmp/raws3-ring-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::unlink(path);
  const auto content = filled(300'000, [](std::size_t i) { return i * 7; });
  REQUIRE(::write(fd, content.data(), content.size()) == ssize_t(content.size()));
  run(loop, [](io::Loop& loop, io::ChunkRing& ring, int fd, const std::vector<std::byte>& content) -> io::Task<void> {
    io::ChunkRing::Chunk chunk = co_await ring.acquire();
    if (chunk.index() < 0) {
      WARN("the kernel refused to register the chunk: nothing to check");
      co_return;
    }
    chunk.commit(5);  // a read lands after what the chunk holds already
    const int n = co_await loop.read_fixed(fd, chunk.room(), 0, chunk.index());
    REQUIRE(n == int(content.size()));
    chunk.commit(std::size_t(n));
    CHECK(std::equal(content.begin(), content.end(), chunk.data().begin() + 5));
  }(loop, ring, fd, content));
  ::close(fd);
}

TEST_CASE("part plan: raised to whole MiB so that a known size fits in 10,000 parts") {
  constexpr std::uint64_t MiB = 1 << 20;
  const auto plan = [](std::uint64_t wanted, std::optional<std::uint64_t> size) {
    return s3::plan_parts(wanted, size, "the test", s3::kS3PartLimits);
  };
  CHECK(plan(8 * MiB, std::nullopt).part_size == 8 * MiB);
  CHECK_FALSE(plan(8 * MiB, 80'000 * MiB).raised);
  const s3::PartPlan big = plan(8 * MiB, 80'000 * MiB + 1);
  CHECK(big.raised);
  CHECK(big.part_size == 9 * MiB);
  CHECK(big.part_size * s3::kS3PartLimits.max_parts >= 80'000 * MiB + 1);
  const s3::PartPlan huge = plan(8 * MiB, 5ull << 40);  // 5 TiB: S3's largest object
  CHECK(huge.part_size * s3::kS3PartLimits.max_parts >= (5ull << 40));
  CHECK(huge.part_size <= kMaxPartSize);
  CHECK_THROWS_AS(plan(8 * MiB, (5ull << 30) * s3::kS3PartLimits.max_parts + 1), ConfigError);
}

TEST_CASE("part plan: sizes S3 would refuse are refused up front, naming where they came from") {
  using Catch::Matchers::Contains;
  constexpr std::uint64_t MiB = 1 << 20;
  CHECK(s3::plan_parts(5 * MiB, std::nullopt, "x", s3::kS3PartLimits).part_size == 5 * MiB);
  CHECK(s3::plan_parts(5ull << 30, std::nullopt, "x", s3::kS3PartLimits).part_size == 5ull << 30);
  for (const std::uint64_t bad : std::vector<std::uint64_t>{0, 1, MiB, 5 * MiB - 1, (5ull << 30) + 1}) {
    CAPTURE(bad);
    // Also for an object smaller than one part, which would be a single PutObject: the setting is wrong
    // whatever the object, and saying so on the first upload beats failing on the first large one.
    for (const std::optional<std::uint64_t> size : {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{10}}) {
      try {
        s3::plan_parts(bad, size, "PutOptions::part_size", s3::kS3PartLimits);
        FAIL("accepted");
      } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Contains("PutOptions::part_size: a part size of " + std::to_string(bad) + " bytes") &&
                                 Contains("5 MiB (5242880) to 5 GiB"));
      }
    }
  }
}

namespace {

// Variables set for one test case, unset when it ends.
class ScopedEnvironment {
 public:
  ScopedEnvironment() = default;
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
  ~ScopedEnvironment() {
    for (const char* name : names_) ::unsetenv(name);
  }
  void set(const char* name, const char* value) {
    ::setenv(name, value, 1);
    names_.push_back(name);
  }

 private:
  std::vector<const char*> names_;
};

}  // namespace

TEST_CASE("RAWS3_PUT_PART_SIZE outside S3's part sizes is a ConfigError naming it; GET parts may be small") {
  using Catch::Matchers::Contains;
  ScopedEnvironment env;
  env.set("RAWS3_GET_PART_SIZE", "64KiB");
  env.set("RAWS3_PUT_PART_SIZE", "5MiB");
  const Tuning t = Tuning::from_env();
  CHECK(t.put_part_size == kMinPartSize);
  CHECK(t.get_part_size == 64 * 1024);
  for (const char* bad : {"1MiB", "5242879", "6GiB"}) {
    CAPTURE(bad);
    env.set("RAWS3_PUT_PART_SIZE", bad);
    CHECK_THROWS_WITH(Tuning::from_env(), Contains(std::string("RAWS3_PUT_PART_SIZE: ") + bad) &&
                                              Contains("5MiB to 5GiB"));
  }
}

TEST_CASE("Config{} reads no environment and cannot throw; from_environment() reads it and names what is wrong") {
  using Catch::Matchers::Contains;
  ScopedEnvironment env;
  env.set("RAWS3_PUT_PART_SIZE", "1MiB");
  env.set("RAWS3_THREADS", "many");
  Config config;
  CHECK(config.tuning.put_part_size == 8ull << 20);
  CHECK_THROWS_AS(Config::from_environment(), ConfigError);
  ::unsetenv("RAWS3_THREADS");
  CHECK_THROWS_WITH(Config::from_environment(), Contains("RAWS3_PUT_PART_SIZE: 1MiB"));
}

TEST_CASE("sizes read the same whatever the program's locale, a comma for a decimal point included") {
  for (const char* locale : {"C", "de_DE.UTF-8"}) {
    CAPTURE(locale);
    test::NumericLocale numeric(locale);
    if (std::string(locale) != "C") REQUIRE(test::NumericLocale::decimal_point() == ",");
    CHECK(parse_byte_size("8388608", "size") == 8388608);
    CHECK(parse_byte_size("64KiB", "size") == 64 * 1024);
    CHECK(parse_byte_size("1.5GiB", "size") == 1536ull << 20);
    CHECK(parse_byte_size("0.5m", "size") == 512 * 1024);
    for (const char* bad : {"", "1,5GiB", "-1", "8 MiB", "MiB", "nan", "inf", "1e30"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(parse_byte_size(bad, "size"), ConfigError);
    }
  }
}
