#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "auth/ascii.hpp"
#include "raws3/config.hpp"
#include "raws3/error.hpp"

namespace raws3 {

std::uint64_t parse_byte_size(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return ConfigError(std::string(what) + ": '" + std::string(text) +
                       "' is not a size (examples: 8388608, 64KiB, 8MiB, 1GiB)");
  };
  // from_chars, not strtod: the same text means the same size whatever locale the program has set.
  double number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || !(number >= 0) || !std::isfinite(number)) throw bad();
  const std::string unit = auth::ascii_lower(std::string_view(end, std::size_t(text.data() + text.size() - end)));
  static const struct {
    const char* suffixes[4];
    double factor;
  } units[] = {
      {{"", "b", nullptr, nullptr}, 1.0},
      {{"k", "kb", "kib", nullptr}, 1024.0},
      {{"m", "mb", "mib", nullptr}, 1024.0 * 1024},
      {{"g", "gb", "gib", nullptr}, 1024.0 * 1024 * 1024},
      {{"t", "tb", "tib", nullptr}, 1024.0 * 1024 * 1024 * 1024},
  };
  for (const auto& u : units)
    for (const char* suffix : u.suffixes)
      if (suffix && unit == suffix) {
        double bytes = std::round(number * u.factor);
        if (bytes > 1.8e19) throw bad();
        return std::uint64_t(bytes);
      }
  throw bad();
}

namespace {

unsigned env_count(const char* name, unsigned fallback, unsigned minimum) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  char* end = nullptr;
  errno = 0;
  unsigned long n = std::strtoul(value, &end, 10);
  if (errno != 0 || *end != '\0' || n < minimum || n > 1'000'000)
    throw ConfigError(std::string(name) + ": '" + value + "' is not a whole number from " +
                      std::to_string(minimum) + " to 1000000");
  return unsigned(n);
}

std::uint64_t env_size(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  std::uint64_t n = parse_byte_size(value, name);
  if (n == 0) throw ConfigError(std::string(name) + ": must be more than 0 bytes");
  return n;
}

IoEngine env_io_engine(const char* name, IoEngine fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  const std::string_view text(value);
  if (text == "auto") return IoEngine::Auto;
  if (text == "uring") return IoEngine::Uring;
  if (text == "epoll") return IoEngine::Epoll;
  throw ConfigError(std::string(name) + ": '" + value + "' is not one of auto, uring, epoll");
}

}  // namespace

ChecksumMode parse_checksum_mode(std::string_view text, std::string_view what) {
  if (text == "off") return ChecksumMode::Off;
  if (text == "when-available") return ChecksumMode::WhenAvailable;
  if (text == "required") return ChecksumMode::Required;
  throw ConfigError(std::string(what) + ": '" + std::string(text) + "' is not one of off, when-available, required");
}

Config Config::from_environment() { return Config{.tuning = Tuning::from_env()}; }

Tuning Tuning::from_env() {
  Tuning t;
  t.threads = env_count("RAWS3_THREADS", t.threads, 0);
  t.max_conns = env_count("RAWS3_MAX_CONNS", t.max_conns, 1);
  t.get_part_size = env_size("RAWS3_GET_PART_SIZE", t.get_part_size);
  t.get_threshold = env_size("RAWS3_GET_THRESHOLD", t.get_threshold);
  t.get_inflight = env_count("RAWS3_GET_INFLIGHT", t.get_inflight, 1);
  t.put_part_size = env_size("RAWS3_PUT_PART_SIZE", t.put_part_size);
  if (t.put_part_size < kMinPartSize || t.put_part_size > kMaxPartSize)
    throw ConfigError("RAWS3_PUT_PART_SIZE: " + std::string(std::getenv("RAWS3_PUT_PART_SIZE")) +
                      " is outside what S3 accepts for upload parts, 5MiB to 5GiB");
  t.put_inflight = env_count("RAWS3_PUT_INFLIGHT", t.put_inflight, 1);
  for (auto [name, field] : {std::pair{"RAWS3_COPY_THRESHOLD", &t.copy_threshold}, {"RAWS3_COPY_PART_SIZE", &t.copy_part_size}}) {
    *field = env_size(name, *field);
    if (*field < kMinPartSize || *field > kMaxPartSize)
      throw ConfigError(std::string(name) + ": " + std::getenv(name) + " is outside what S3 accepts, 5MiB to 5GiB");
  }
  t.transfers = env_count("RAWS3_TRANSFERS", t.transfers, 1);
  t.transfer_memory = env_size("RAWS3_TRANSFER_MEMORY", t.transfer_memory);
  if (const char* zc = std::getenv("RAWS3_SEND_ZC_MIN"); zc && *zc) t.send_zc_min = parse_byte_size(zc, "RAWS3_SEND_ZC_MIN");
  t.max_attempts = env_count("RAWS3_MAX_ATTEMPTS", t.max_attempts, 1);
  t.connect_timeout_ms = env_count("RAWS3_CONNECT_TIMEOUT_MS", t.connect_timeout_ms, 0);
  t.timeout_ms = env_count("RAWS3_TIMEOUT_MS", t.timeout_ms, 0);
  t.dns_ttl_ms = env_count("RAWS3_DNS_TTL_MS", t.dns_ttl_ms, 0);
  t.io_engine = env_io_engine("RAWS3_IO", t.io_engine);
  if (const char* mode = std::getenv("RAWS3_CHECKSUM_MODE"); mode && *mode)
    t.checksum_mode = parse_checksum_mode(mode, "RAWS3_CHECKSUM_MODE");
  return t;
}

}  // namespace raws3
