#include "console_log.hpp"

#include <cstdlib>
#include <string>

#include "output.hpp"
#include "raws3/error.hpp"
#include "raws3/log.hpp"

namespace s3cli {
namespace {

raws3::LogLevel level_of(const GlobalOptions& options) {
  if (options.debug) return raws3::LogLevel::Debug;
  const char* asked = std::getenv("RAWS3_LOG");
  if (asked == nullptr || *asked == '\0') return raws3::LogLevel::Warn;
  if (std::optional<raws3::LogLevel> level = raws3::parse_log_level(asked)) return *level;
  throw raws3::ConfigError(std::string("RAWS3_LOG: '") + asked + "' is not a log level (debug, info, warn, error, off)");
}

}  // namespace

void log_to_console(const GlobalOptions& options, raws3::Config& config) {
  config.log_level = level_of(options);
  config.log_handler = [](raws3::LogLevel level, std::string_view line) {
    std::string text = "s3-cli: ";
    text += raws3::log_level_name(level);
    text += ": ";
    text += line;
    Console::instance().err(text);
  };
}

}  // namespace s3cli
