// Expiration times as credential sources write them (ISO 8601): credential_process, instance metadata,
// container endpoints, STS, AWS_CREDENTIAL_EXPIRATION.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace raws3::auth {

// "2026-01-02T03:04:05Z": date 'T' time, an optional fraction of a second, 'Z' or a "+hh:mm" / "+hhmm"
// offset. nullopt on anything else. Times past the clock's range ("2999-...", written for never) clamp
// to time_point::max().
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

}  // namespace raws3::auth
