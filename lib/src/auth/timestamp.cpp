#include "auth/timestamp.hpp"

#include <cstdio>

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

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::optional<Clock::time_point> parse_http_date(std::string_view s) {
  using namespace std::chrono;
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

std::string format_http_date(Clock::time_point at) {
  using namespace std::chrono;
  static constexpr std::string_view kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  const sys_days day_start = floor<days>(at);
  const year_month_day date{day_start};
  const hh_mm_ss time{floor<seconds>(at - day_start)};
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                kWeekdays[weekday{day_start}.c_encoding()].data(), unsigned(date.day()),
                kMonths[unsigned(date.month()) - 1].data(), int(date.year()), int(time.hours().count()),
                int(time.minutes().count()), int(time.seconds().count()));
  return out;
}

std::string format_iso8601(Clock::time_point at) {
  using namespace std::chrono;
  const sys_days day_start = floor<days>(at);
  const year_month_day date{day_start};
  const hh_mm_ss time{floor<milliseconds>(at - day_start)};
  char out[40];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(date.year()), unsigned(date.month()),
                unsigned(date.day()), int(time.hours().count()), int(time.minutes().count()),
                int(time.seconds().count()), int(time.subseconds().count()));
  return out;
}

}  // namespace raws3::auth
