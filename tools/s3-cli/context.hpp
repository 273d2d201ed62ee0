// What every command gets: the global options, the client built from them, the processes the run is spread
// over, and the one way a failure is reported and turned into an exit code.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "raws3/client.hpp"
#include "raws3/config.hpp"
#include "store/object_url.hpp"
#include "ranks.hpp"

namespace s3cli {

// kStdoutClosed: what a shell shows for a writer SIGPIPE ended (main ends by the signal itself).
enum ExitCode : int { kSuccess = 0, kFailure = 1, kUsage = 2, kStdoutClosed = 141 };

// A mistake in the command line that CLI11 cannot see: a malformed URL, a location of the wrong kind.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GlobalOptions {
  std::string endpoint_url;
  std::string blob_endpoint;  // az://'s service; its account comes from AZURE_STORAGE_*
  std::string region;
  std::string profile;
  std::string addressing = "auto";
  std::string ca_bundle;
  bool no_verify_ssl = false;
  bool no_sign_request = false;  // unsigned requests (public buckets); no credentials are looked for
  bool json = false;
  bool quiet = false;
  bool no_progress = false;
  std::optional<unsigned> threads;
  std::optional<unsigned> max_conns;
  std::optional<std::string> part_size;
  std::optional<unsigned> inflight;
  std::optional<unsigned> concurrency;  // transfers in flight in cp -r (else RAWS3_TRANSFERS)
  unsigned page_size = 1000;  // keys per ListObjectsV2 request (awscli's --page-size)
  std::string checksum = "crc32c";  // what every uploaded part carries for the server to verify
  std::optional<std::string> checksum_mode;  // downloads: off, when-available, required (else RAWS3_CHECKSUM_MODE)
  bool debug = false;  // every request attempt on stderr (else RAWS3_LOG)
  // Seconds (awscli's --cli-connect-timeout, --cli-read-timeout); 0: none. Unset: RAWS3_*_MS.
  std::optional<double> connect_timeout;
  std::optional<double> read_timeout;
};

raws3::Checksum checksum_of(const GlobalOptions& options);

// Flags over the environment: what the flags leave empty the library resolves from AWS_* and the profile.
// A flag value that does not parse is a UsageError; a RAWS3_* variable that does not, a ConfigError.
raws3::Config make_config(const GlobalOptions& options);

// Flag values that CLI11 takes as strings; a value that does not parse is a UsageError naming the flag.
// Sizes as raws3::parse_byte_size reads them ("64KiB", "8MiB", "1GiB"); durations as "500ms", "30s", "2m",
// "12h", "7d" or a plain number of seconds.
std::uint64_t parse_size_flag(std::string_view text, std::string_view flag);
std::chrono::milliseconds parse_duration_flag(std::string_view text, std::string_view flag);

int exit_code_of(const std::exception& e) noexcept;

// The one error line: "s3-cli: <command> <target>: <cause>". S3 errors name their code and HTTP status.
void report_error(std::string_view command, std::string_view target, std::string_view cause);
void report_error(std::string_view command, std::string_view target, const std::exception& e);

class Context {
 public:
  // ranks outlives the context.
  Context(std::string command, GlobalOptions options, Ranks& ranks);
  ~Context();

  const std::string& command() const noexcept { return command_; }
  const GlobalOptions& options() const noexcept { return options_; }
  // What the client is (or will be) built from: flags over RAWS3_* and AWS_* variables.
  const raws3::Config& config() const noexcept { return config_; }
  // S3's client, or Azure Blob's: each built on first use (a local-only cp needs no credentials, an s3://
  // command no Azure account). Safe to call from the workers of a recursive copy, which may be the first
  // to ask. An interrupt cancels every client built.
  raws3::Client& client(raws3::Service service = raws3::Service::S3);
  // The client of a location's service.
  raws3::Client& client_for(const raws3::store::Location& where) { return client(where.service); }
  Ranks& ranks() const noexcept { return ranks_; }
  bool progress_enabled(bool data_to_stdout) const;
  // For commands that upload: a --part-size outside S3's part sizes is a UsageError (make_config gave it
  // to GETs only).
  void check_upload_part_size() const;

  // Runs work(); a failure becomes one error line naming target, and its exit code.
  template <class Work>
  int attempt(std::string_view target, Work&& work) {
    try {
      work();
      return kSuccess;
    } catch (const std::exception& e) {
      report_error(command_, target, e);
      return exit_code_of(e);
    }
  }

 private:
  std::string command_;
  GlobalOptions options_;
  Ranks& ranks_;
  raws3::Config config_;
  std::mutex clients_mutex_;
  std::unique_ptr<raws3::Client> s3_client_;
  std::unique_ptr<raws3::Client> blob_client_;
};

}  // namespace s3cli
