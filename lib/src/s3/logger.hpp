// Where a client's log lines go (raws3/log.hpp): one per client, in its Endpoint, so that every loop and
// every request reaches it. Callers ask enabled() before they build a line, so that a log that is off
// costs a comparison and no string.
#pragma once

#include <string_view>
#include <utility>

#include "raws3/log.hpp"

namespace raws3::s3 {

class Logger {
 public:
  Logger() = default;
  // An empty handler writes to stderr.
  Logger(LogLevel level, LogHandler handler) : level_(level), handler_(std::move(handler)) {}

  bool enabled(LogLevel level) const noexcept { return level != LogLevel::Off && level <= level_; }
  // Writes line when level is enabled.
  void write(LogLevel level, std::string_view line) const;

 private:
  LogLevel level_ = LogLevel::Off;
  LogHandler handler_;
};

}  // namespace raws3::s3
