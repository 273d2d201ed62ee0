#include "s3/logger.hpp"

#include <cstdio>
#include <string>

#include "auth/ascii.hpp"

namespace raws3 {

std::optional<LogLevel> parse_log_level(std::string_view name) {
  const std::string lower = auth::ascii_lower(name);
  if (lower == "off") return LogLevel::Off;
  if (lower == "error") return LogLevel::Error;
  if (lower == "warn" || lower == "warning") return LogLevel::Warn;
  if (lower == "info") return LogLevel::Info;
  if (lower == "debug") return LogLevel::Debug;
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Error: return "error";
    case LogLevel::Warn: return "warning";
    case LogLevel::Info: return "info";
    case LogLevel::Debug: return "debug";
    case LogLevel::Off: break;
  }
  return "off";
}

namespace s3 {

void Logger::write(LogLevel level, std::string_view line) const {
  if (!enabled(level)) return;
  if (handler_) {
    handler_(level, line);
    return;
  }
  // One fprintf per line: stdio locks the stream, so lines from several loops never interleave.
  std::fprintf(stderr, "raws3: %.*s: %.*s\n", int(log_level_name(level).size()), log_level_name(level).data(),
               int(line.size()), line.data());
}

}  // namespace s3
}  // namespace raws3
