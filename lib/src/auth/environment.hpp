// The environment as credential and region resolution reads it: passed in, so that tests (and embedders)
// control it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace raws3::auth {

// The value of an environment variable, nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The process environment (::getenv).
std::optional<std::string> process_env(std::string_view name);

// botocore tests variables for truth: an empty one is as good as unset.
std::optional<std::string> env_value(const EnvLookup& env, std::string_view name);

}  // namespace raws3::auth
