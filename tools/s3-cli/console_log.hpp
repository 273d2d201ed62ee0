// How s3-cli shows the library's log: on stderr through the Console, at the level --debug or RAWS3_LOG
// asks for, else warnings (a retry says why it happens).
#pragma once

#include "context.hpp"
#include "raws3/config.hpp"

namespace s3cli {

// Sets config's log level and handler. A RAWS3_LOG that names no level is a raws3::ConfigError.
void log_to_console(const GlobalOptions& options, raws3::Config& config);

}  // namespace s3cli
