#include "output.hpp"

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

#include "raws3/error.hpp"

namespace s3cli {

Console& Console::instance() {
  static Console console;
  return console;
}

void Console::erase_status_locked() {
  if (!status_shown_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  status_shown_ = false;
}

void Console::out_lines(std::string_view lines) {
  while (!lines.empty()) {
    const std::size_t end = std::min(lines.find('\n'), lines.size());
    out(lines.substr(0, end));
    lines.remove_prefix(std::min(end + 1, lines.size()));
  }
}

void Console::hold_out() {
  std::lock_guard lock(mutex_);
  holding_ = true;
}

std::string Console::take_held() {
  std::lock_guard lock(mutex_);
  return std::exchange(held_, {});
}

void Console::out(std::string_view line) {
  std::lock_guard lock(mutex_);
  if (holding_) {
    held_.append(line).push_back('\n');
    return;
  }
  erase_status_locked();
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  // Only a terminal needs the line now; a pipe keeps stdio's buffering (ls of a million keys).
  if (status_used_) std::fflush(stdout);
  // A reader that went away (ls ... | head) ends the listing instead of letting it run on unread.
  if (!std::ferror(stdout)) return;
  if (stdout_error_.empty() && !stdout_closed_.load()) {
    if (errno == EPIPE)
      stdout_closed_.store(true);
    else
      stdout_error_ = std::string("stdout: ") + std::strerror(errno);
  }
  if (stdout_closed_.load()) throw StdoutClosed();
  throw raws3::FileError(stdout_error_);
}

void Console::err(std::string_view line) {
  std::lock_guard lock(mutex_);
  erase_status_locked();
  std::fflush(stdout);  // keeps stdout and stderr in the order they were written when both are a terminal
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void Console::error(std::string_view line) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  err(line);
}

void Console::status(std::string_view text) {
  std::lock_guard lock(mutex_);
  std::fflush(stdout);
  std::fputs("\r\x1b[K", stderr);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  status_shown_ = true;
  status_used_ = true;
}

void Console::clear_status() {
  std::lock_guard lock(mutex_);
  erase_status_locked();
}

void Json::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (need_comma_) out_ += ',';
}

Json& Json::begin_object() {
  before_value();
  out_ += '{';
  need_comma_ = false;
  return *this;
}

Json& Json::end_object() {
  out_ += '}';
  need_comma_ = true;
  return *this;
}

Json& Json::begin_array() {
  before_value();
  out_ += '[';
  need_comma_ = false;
  return *this;
}

Json& Json::end_array() {
  out_ += ']';
  need_comma_ = true;
  return *this;
}

Json& Json::key(std::string_view name) {
  before_value();
  append_json_string(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

Json& Json::string(std::string_view text) {
  before_value();
  append_json_string(out_, text);
  need_comma_ = true;
  return *this;
}

Json& Json::number(std::uint64_t n) {
  before_value();
  out_ += std::to_string(n);
  need_comma_ = true;
  return *this;
}

Json& Json::decimal(double x) {
  before_value();
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%.6f", std::isfinite(x) ? x : 0.0);
  out_ += buf.data();
  need_comma_ = true;
  return *this;
}

void Results::add(Outcome outcome) {
  if (!json_) {
    if (quiet_) return;
    std::string line = outcome.op + ": " + outcome.source;
    if (!outcome.destination.empty()) line += " to " + outcome.destination;
    if (!outcome.upload_id.empty()) line += " (upload " + outcome.upload_id + ")";
    Console::instance().out(line);
    return;
  }
  done_.fetch_add(1, std::memory_order_relaxed);
  if (outcome.size) bytes_.fetch_add(*outcome.size, std::memory_order_relaxed);
  Json json;
  json.begin_object().key("op").string(outcome.op).key("source").string(outcome.source);
  if (!outcome.destination.empty()) json.key("destination").string(outcome.destination);
  if (outcome.size) json.key("size").number(*outcome.size);
  if (!outcome.etag.empty()) json.key("etag").string(outcome.etag);
  if (!outcome.upload_id.empty()) json.key("upload_id").string(outcome.upload_id);
  json.end_object();
  Console::instance().out(json.text());
}

Results::Totals Results::totals() const {
  return {.succeeded = done_.load(), .failed = Console::instance().errors_reported(), .bytes = bytes_.load()};
}

void Results::finish(const Totals& totals, const std::vector<Totals>& ranks) {
  if (!json_) return;
  Json json;
  json.begin_object().key("summary").begin_object();
  json.key("succeeded").number(totals.succeeded).key("failed").number(totals.failed);
  json.key("bytes").number(totals.bytes);
  if (!ranks.empty()) {
    json.key("ranks").begin_array();
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      json.begin_object().key("rank").number(r).key("succeeded").number(ranks[r].succeeded);
      json.key("failed").number(ranks[r].failed).key("bytes").number(ranks[r].bytes).end_object();
    }
    json.end_array();
  }
  json.end_object().end_object();
  Console::instance().out(json.text());
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          out += "\\u00";
          out += hex[byte >> 4];
          out += hex[byte & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string listing_time(std::string_view iso8601) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (iso8601.size() < 19 || iso8601[10] != 'T') return std::string(iso8601);
  std::string shown(iso8601.substr(0, 19));
  shown[10] = ' ';
  return shown;
}

std::string human_bytes(std::uint64_t n) {
  static constexpr std::array<const char*, 6> units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (n < 1024) return std::to_string(n) + " B";
  double value = static_cast<double>(n);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < units.size()) {
    value /= 1024;
    ++unit;
  }
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.1f %s", value, units[unit]);
  return buf.data();
}

}  // namespace s3cli
