// The AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials), read the way awscli
// reads them: Python's configparser, plus botocore's one level of nesting ("s3 =" and indented lines).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace raws3::auth {

using ProfileValues = std::map<std::string, std::string, std::less<>>;

struct ProfileSection {
  // Keys lower-cased, as configparser does; values trimmed, possibly empty. An indented line below a
  // non-empty value continues it after a '\n'.
  ProfileValues values;
  // A key with an empty value followed by indented "key = value" lines ("s3 =\n  endpoint_url = ..."):
  // its own map, keys kept as written, as botocore keeps them.
  std::map<std::string, ProfileValues, std::less<>> subsections;
};

struct ProfileFile {
  // By the name between the brackets, trimmed, whitespace runs made one space: "default", "profile prod".
  std::map<std::string, ProfileSection, std::less<>> sections;
};

// Throws raws3::ConfigError "<file>:<line>: <what is wrong>" on a line awscli would not read either (no '='
// or ':', no closing ']', a key before any section, a duplicate section or key) and on an empty section
// name. Comments: a line starting with '#' or ';', and the rest of a line from a '#' or ';' that follows
// whitespace.
ProfileFile parse_profile_file(std::string_view text, std::string_view file_name_for_errors);

struct LoadedProfileFile {
  std::optional<ProfileFile> content;  // nullopt: no such file (awscli skips it), or it could not be read
  // Why it could not be read, "cannot read /root/.aws/config: Permission denied"; empty when it was read or
  // is not there. Not an error yet: only a lookup that needs what the file may hold fails with it.
  std::string unreadable;
};

// Throws raws3::ConfigError when the file does not parse.
LoadedProfileFile load_profile_file(const std::string& path);

}  // namespace raws3::auth
