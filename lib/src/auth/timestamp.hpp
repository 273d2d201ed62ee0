// Times as servers write them: expiration times of credential sources (ISO 8601: credential_process,
// instance metadata, container endpoints, STS, AWS_CREDENTIAL_EXPIRATION), listings' LastModified (ISO
// 8601) and HTTP's Date and Last-Modified headers (RFC 9110's IMF-fixdate). Locale-independent.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace raws3::auth {

// "2026-01-02T03:04:05Z": date 'T' time, an optional fraction of a second, 'Z' or a "+hh:mm" / "+hhmm"
// offset. nullopt on anything else. Times past the clock's range ("2999-...", written for never) clamp
// to time_point::max().
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

// The same form, of a time, to the millisecond: "2026-01-02T03:04:05.000Z", as S3's listings write it.
std::string format_iso8601(std::chrono::system_clock::time_point at);

// "Sun, 06 Nov 1994 08:49:37 GMT". nullopt on anything else.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);
// The same form, of a time: what x-ms-date and Date carry.
std::string format_http_date(std::chrono::system_clock::time_point at);

}  // namespace raws3::auth
