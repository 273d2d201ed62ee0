// libFuzzer target: arbitrary bytes as an AWS shared config or credentials file (auth/profile_file.hpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/profile_file.hpp"
#include "raws3/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const raws3::auth::ProfileFile file =
        raws3::auth::parse_profile_file(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    for (const auto& [name, section] : file.sections) {
      if (name.empty()) __builtin_trap();  // the parser promises to refuse empty section names
      (void)section;
    }
  } catch (const raws3::ConfigError&) {
    // A file awscli would not read either.
  }
  return 0;
}
