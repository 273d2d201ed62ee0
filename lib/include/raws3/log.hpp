// What a Client says of its work (raws3::Config::log_level, log_handler): off unless asked for.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "raws3/export.hpp"

namespace raws3 {

// Each level shows the ones before it too: Warn shows errors and warnings, Debug everything.
//   Warn: a failed attempt that is retried, why, and which attempt comes next.
//   Debug: a line per request attempt (method, object, range, status, S3 code, request ids, attempt n of m,
//   bytes, latency, whether the connection was reused). No line ever holds a credential or a signature.
enum class LogLevel { Off, Error, Warn, Info, Debug };

// Receives each line, without a newline. It runs on the client's loop threads, several at once, and the
// loop waits for it: it must be thread-safe and quick.
using LogHandler = std::function<void(LogLevel level, std::string_view line)>;

// "error", "warn" (or "warning"), "info", "debug", "off", in any case; nullopt for anything else.
RAWS3_API std::optional<LogLevel> parse_log_level(std::string_view name);

// "error", "warning", "info", "debug", "off".
RAWS3_API std::string_view log_level_name(LogLevel level) noexcept;

}  // namespace raws3
