#include "auth/timestamp.hpp"

namespace raws3::auth {
namespace {

using Clock = std::chrono::system_clock;

bool take(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

bool take_digits(std::string_view& s, std::size_t count, int& out) {
  if (s.size() < count) return false;
  out = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  s.remove_prefix(count);
  return true;
}

}  // namespace

std::optional<Clock::time_point> parse_iso8601(std::string_view s) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!(take_digits(s, 4, y) && take(s, '-') && take_digits(s, 2, mo) && take(s, '-') &&
        take_digits(s, 2, d) && (take(s, 'T') || take(s, 't')) && take_digits(s, 2, h) && take(s, ':') &&
        take_digits(s, 2, mi) && take(s, ':') && take_digits(s, 2, sec)))
    return std::nullopt;
  nanoseconds fraction{0};
  if (take(s, '.')) {
    if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
    for (long long scale = 100'000'000; !s.empty() && s.front() >= '0' && s.front() <= '9'; scale /= 10) {
      fraction += nanoseconds((s.front() - '0') * scale);  // digits past nanoseconds add zero
      s.remove_prefix(1);
    }
  }
  minutes offset{0};
  if (!(take(s, 'Z') || take(s, 'z'))) {
    const bool east = take(s, '+');
    if (!east && !take(s, '-')) return std::nullopt;
    int oh = 0, om = 0;
    if (!take_digits(s, 2, oh)) return std::nullopt;
    take(s, ':');  // "+hh:mm" and "+hhmm" alike
    if (!take_digits(s, 2, om) || oh > 23 || om > 59) return std::nullopt;
    offset = (east ? 1 : -1) * (hours(oh) + minutes(om));
  }
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!s.empty() || !date.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  const sys_seconds at = sys_days{date} + hours(h) + minutes(mi) + seconds(sec) - offset;
  // The clock counts nanoseconds in 64 bits (years 1677 to 2262), and helpers write "2999-..." for never.
  if (at >= time_point_cast<seconds>(Clock::time_point::max())) return Clock::time_point::max();
  if (at <= time_point_cast<seconds>(Clock::time_point::min())) return Clock::time_point::min();
  return time_point_cast<Clock::duration>(at) + fraction;
}

std::optional<Clock::time_point> parse_http_date(std::string_view s) {
  using namespace std::chrono;
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Sun, 06 Nov 1994 08:49:37 GMT": the weekday is redundant, and ignored.
  const std::size_t comma = s.find(", ");
  if (comma == std::string_view::npos) return std::nullopt;
  s.remove_prefix(comma + 2);
  int d = 0, y = 0, h = 0, mi = 0, sec = 0;
  if (!(take_digits(s, 2, d) && take(s, ' ') && s.size() >= 4)) return std::nullopt;
  unsigned mo = 0;
  while (mo < 12 && s.substr(0, 3) != kMonths[mo]) ++mo;
  if (mo == 12) return std::nullopt;
  s.remove_prefix(3);
  if (!(take(s, ' ') && take_digits(s, 4, y) && take(s, ' ') && take_digits(s, 2, h) && take(s, ':') &&
        take_digits(s, 2, mi) && take(s, ':') && take_digits(s, 2, sec) && s == " GMT"))
    return std::nullopt;
  const year_month_day date{year{y}, month{mo + 1}, day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return time_point_cast<Clock::duration>(sys_days{date} + hours(h) + minutes(mi) + seconds(sec));
}

}  // namespace raws3::auth
