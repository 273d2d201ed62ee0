// ASCII case, as HTTP header names, URL schemes, profile keys and enum-like settings compare: not the
// locale's.
#pragma once

#include <string>
#include <string_view>

namespace raws3::auth {

std::string ascii_lower(std::string_view text);
bool ascii_iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace raws3::auth
