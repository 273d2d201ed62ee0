#include "auth/profile_file.hpp"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include "raws3/error.hpp"

namespace raws3::auth {
namespace {

// Line breaks are gone by the time this is used; '\r' stays in it for files with CRLF line ends.
constexpr std::string_view kBlank = " \t\r\f\v";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kBlank) - first + 1);
}

bool is_comment_start(char c) { return c == '#' || c == ';'; }

// A comment starts mid-line only after whitespace, so that a value may hold '#' or ';' (a URL, a command).
std::string_view strip_inline_comment(std::string_view s) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (is_comment_start(s[i]) && kBlank.find(s[i - 1]) != std::string_view::npos)
      return trim(s.substr(0, i));
  }
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  return out;
}

// botocore splits a section name into words ("profile  prod" is profile "prod"): one canonical spelling
// lets the lookups compare names directly.
std::string collapse_whitespace(std::string_view s) {
  std::string out;
  for (auto word = trim(s); !word.empty();) {
    const auto end = word.find_first_of(kBlank);
    if (!out.empty()) out += ' ';
    out += word.substr(0, end);
    word = end == std::string_view::npos ? std::string_view{} : trim(word.substr(end));
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view file_name) : file_name_(file_name) {}

  ProfileFile parse(std::string_view text) {
    while (!text.empty()) {
      const auto eol = text.find('\n');
      const auto raw = text.substr(0, eol);
      text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
      ++line_number_;
      const auto content = trim(raw);
      if (content.empty() || is_comment_start(content.front())) continue;
      // configparser: a line indented deeper than the key above it continues that key.
      const auto indent = raw.find_first_not_of(kBlank);
      if (!key_.empty() && indent > key_indent_) {
        continuation_line(strip_inline_comment(content));
      } else if (content.front() == '[') {
        section_line(content);
      } else {
        key_line(strip_inline_comment(content), indent);
      }
    }
    return std::move(file_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError(std::string(file_name_) + ":" + std::to_string(line_number_) + ": " + what);
  }

  void section_line(std::string_view content) {
    const auto close = content.find(']');
    if (close == std::string_view::npos) fail("expected \"]\" to close the section header");
    const auto rest = trim(content.substr(close + 1));
    if (!rest.empty() && !is_comment_start(rest.front())) fail("unexpected text after \"]\"");
    std::string name = collapse_whitespace(content.substr(1, close - 1));
    if (name.empty()) fail("empty section name");
    const auto [it, inserted] = file_.sections.try_emplace(name);
    if (!inserted) fail("duplicate section [" + name + "]");
    section_ = &it->second;
    section_name_ = std::move(name);
    key_.clear();
  }

  void key_line(std::string_view content, std::size_t indent) {
    // configparser takes ':' as well as '=', whichever comes first.
    const auto delimiter = content.find_first_of("=:");
    if (delimiter == std::string_view::npos) fail(R"(expected "key = value" or "[section]")");
    if (section_ == nullptr) fail("expected a \"[section]\" before the first key");
    std::string key = lower(trim(content.substr(0, delimiter)));
    if (key.empty()) fail("missing key before \"" + std::string(1, content[delimiter]) + "\"");
    if (section_->values.contains(key) || section_->subsections.contains(key))
      fail("duplicate key \"" + key + "\" in [" + section_name_ + "]");
    section_->values.emplace(key, trim(content.substr(delimiter + 1)));
    key_ = std::move(key);
    key_indent_ = indent;
  }

  void continuation_line(std::string_view content) {
    const auto value = section_->values.find(key_);
    if (value != section_->values.end() && !value->second.empty()) {
      value->second.append("\n").append(content);
      return;
    }
    if (value != section_->values.end()) section_->values.erase(value);
    const auto equals = content.find('=');
    const auto key = trim(content.substr(0, equals));
    if (equals == std::string_view::npos || key.empty())
      fail("expected \"key = value\" in the \"" + key_ + "\" sub-section");
    section_->subsections[key_].insert_or_assign(std::string(key),
                                                 std::string(trim(content.substr(equals + 1))));
  }

  std::string_view file_name_;
  std::size_t line_number_ = 0;
  ProfileFile file_;
  ProfileSection* section_ = nullptr;
  std::string section_name_;
  std::string key_;  // the last key of the current section, which deeper-indented lines continue
  std::size_t key_indent_ = 0;
};

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

LoadedProfileFile unreadable(const std::string& path, int error) {
  return {std::nullopt, "cannot read " + path + ": " + std::error_code(error, std::generic_category()).message()};
}

}  // namespace

ProfileFile parse_profile_file(std::string_view text, std::string_view file_name_for_errors) {
  return Parser(file_name_for_errors).parse(text);
}

LoadedProfileFile load_profile_file(const std::string& path) {
  const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    if (errno == ENOENT || errno == ENOTDIR) return {};
    return unreadable(path, errno);
  }
  std::string text;
  char buffer[16384];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get())) text.append(buffer, n);
  if (std::ferror(file.get())) return unreadable(path, errno);
  return {parse_profile_file(text, path), {}};
}

}  // namespace raws3::auth
