// credential_process: a profile's external command that prints credentials as JSON, in awscli's format:
// {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ..., "SessionToken": ..., "Expiration": ...}.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "auth/credential_provider.hpp"
#include "raws3/credentials.hpp"

namespace raws3::auth {

// Runs the command through /bin/sh -c (stdin from /dev/null, so that it cannot eat the caller's input) and
// parses what it prints. Throws raws3::ConfigError naming the command when it cannot be started, exits
// non-zero or is killed (with the last line of its stderr), prints too much, or prints something
// parse_credential_process_output rejects.
Credentials run_credential_process(const std::string& command);

// Version must be 1; AccessKeyId and SecretAccessKey are required; SessionToken and Expiration (ISO 8601,
// "2026-01-02T03:04:05Z", fractional seconds and "+hh:mm" offsets allowed) are optional. Credentials that
// expired at or before now are an error. Throws raws3::ConfigError naming the command.
Credentials parse_credential_process_output(std::string_view json, std::string_view command,
                                            std::chrono::system_clock::time_point now);

// A profile's credential_process, run again for every refresh.
class ProcessProvider final : public CredentialProvider {
 public:
  // source: the profile that names it, "/root/.aws/config [profile tool] (credential_process)".
  ProcessProvider(std::string command, std::string source)
      : CredentialProvider(std::move(source)), command_(std::move(command)) {}
  Credentials fetch(HttpTransport&) override { return run_credential_process(command_); }

 private:
  std::string command_;
};

}  // namespace raws3::auth
