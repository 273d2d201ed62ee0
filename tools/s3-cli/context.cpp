#include "context.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <thread>
#include <utility>

#include "console_log.hpp"
#include "interrupts.hpp"
#include "output.hpp"
#include "progress.hpp"

namespace s3cli {
namespace {

raws3::Addressing addressing_from(std::string_view name) {
  if (name == "path") return raws3::Addressing::Path;
  if (name == "virtual") return raws3::Addressing::Virtual;
  return raws3::Addressing::Auto;  // CLI11 admits only these three names
}

// Server messages may hold newlines; the error report must stay one line.
std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return line;
}

// awscli's seconds (fractions allowed; CLI11 checked the range) as the library's milliseconds, 0 for none.
unsigned timeout_ms(double seconds) {
  return seconds == 0 ? 0u : unsigned(std::max(1.0, std::round(seconds * 1000)));
}

}  // namespace

raws3::Config make_config(const GlobalOptions& options) {
  raws3::Config config = raws3::Config::from_environment();
  config.endpoint_url = options.endpoint_url;
  config.region = options.region;
  config.profile = options.profile;
  config.addressing = addressing_from(options.addressing);
  config.ca_bundle = options.ca_bundle;
  config.verify_tls = !options.no_verify_ssl;
  config.anonymous = options.no_sign_request;
  if (options.no_verify_ssl) {
    Console::instance().err("s3-cli: warning: --no-verify-ssl: TLS certificates are not verified");
  }
  auto& tuning = config.tuning;
  if (options.threads) tuning.threads = *options.threads;
  if (options.max_conns) tuning.max_conns = *options.max_conns;
  if (options.part_size) {
    const std::uint64_t part = parse_size_flag(*options.part_size, "--part-size");
    tuning.get_part_size = part;
    // GETs take any size; uploads only S3's part sizes, which the commands that upload insist on
    // (Context::check_upload_part_size), so that a small --part-size still serves a get.
    if (part >= raws3::kMinPartSize && part <= raws3::kMaxPartSize) tuning.put_part_size = part;
  }
  if (options.inflight) tuning.get_inflight = tuning.put_inflight = *options.inflight;
  if (options.concurrency) tuning.transfers = *options.concurrency;
  if (options.connect_timeout) tuning.connect_timeout_ms = timeout_ms(*options.connect_timeout);
  if (options.read_timeout) tuning.timeout_ms = timeout_ms(*options.read_timeout);
  if (options.checksum_mode) tuning.checksum_mode = raws3::parse_checksum_mode(*options.checksum_mode, "--checksum-mode");
  log_to_console(options, config);
  return config;
}

raws3::Checksum checksum_of(const GlobalOptions& options) {
  if (options.checksum == "md5") return raws3::Checksum::Md5;
  if (options.checksum == "none") return raws3::Checksum::None;
  return raws3::Checksum::Crc32c;
}

std::uint64_t parse_size_flag(std::string_view text, std::string_view flag) {
  try {
    return raws3::parse_byte_size(text, flag);
  } catch (const raws3::ConfigError& e) {
    throw UsageError(e.what());  // a bad flag value, unlike a bad RAWS3_* variable
  }
}

std::chrono::milliseconds parse_duration_flag(std::string_view text, std::string_view flag) {
  // "ms" before "m" and "s", which it ends with.
  static constexpr std::pair<std::string_view, long> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  std::string_view number = text;
  long unit = 1000;
  for (const auto& [suffix, ms] : kUnits) {
    if (text.ends_with(suffix)) {
      number = text.substr(0, text.size() - suffix.size());
      unit = ms;
      break;
    }
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size() || value < 0) {
    throw UsageError(std::string(flag) + ": \"" + std::string(text) + "\" is not a duration (500ms, 30s, 2m, 12h, 7d)");
  }
  return std::chrono::milliseconds(std::llround(value * static_cast<double>(unit)));
}

int exit_code_of(const std::exception& e) noexcept {
  if (Interrupts::received()) return Interrupts::exit_code();
  if (dynamic_cast<const StdoutClosed*>(&e) != nullptr) return kStdoutClosed;
  return dynamic_cast<const UsageError*>(&e) != nullptr ? kUsage : kFailure;
}

namespace {

// --json: errors are JSON objects too, so that a consumer of stdout's records can read stderr's alike.
std::atomic<bool> json_errors{false};

void emit_error(std::string_view command, std::string_view target, std::string_view cause,
                const raws3::S3Error* s3) {
  // After an interrupt, failures are its doing: the signal thread has said so once already.
  if (Interrupts::received()) return;
  if (json_errors.load()) {
    Json json;
    json.begin_object().key("error").begin_object().key("command").string(command);
    if (!target.empty()) json.key("target").string(target);
    json.key("message").string(one_line(std::string(cause)));
    if (s3 != nullptr) json.key("code").string(s3->code()).key("http_status").number(unsigned(s3->http_status()));
    json.end_object().end_object();
    Console::instance().error(json.text());
    return;
  }
  std::string line = "s3-cli: ";
  line += command;
  if (!target.empty()) {
    line += ' ';
    line += target;
  }
  line += ": ";
  line += cause;
  Console::instance().error(one_line(line));
}

}  // namespace

void report_error(std::string_view command, std::string_view target, std::string_view cause) {
  emit_error(command, target, cause, nullptr);
}

void report_error(std::string_view command, std::string_view target, const std::exception& e) {
  if (dynamic_cast<const StdoutClosed*>(&e) != nullptr) return;  // a pipeline's reader left: nothing to say
  const auto* s3 = dynamic_cast<const raws3::S3Error*>(&e);
  if (s3 == nullptr) return emit_error(command, target, e.what(), nullptr);
  std::string cause = s3->code() + " (HTTP " + std::to_string(s3->http_status()) + ")";
  if (!s3->message().empty()) cause += ": " + s3->message();
  if (!s3->region().empty()) cause += " (the bucket is in region " + s3->region() + ")";
  emit_error(command, target, cause, s3);
}

Context::Context(std::string command, GlobalOptions options, Ranks& ranks)
    : command_(std::move(command)), options_(std::move(options)), ranks_(ranks), config_(make_config(options_)) {
  json_errors.store(options_.json);
  // Ranks on one host share its cores: one loop per core each would put N times as many threads on them.
  if (config_.tuning.threads == 0 && ranks.local_size() > 1) {
    config_.tuning.threads = std::max(1u, std::thread::hardware_concurrency() / ranks.local_size());
  }
}

Context::~Context() { Interrupts::set_fallback(nullptr); }

raws3::Client& Context::client(raws3::Service service) {
  const bool blob = service == raws3::Service::AzureBlob;
  if (!blob && options_.endpoint_url.find(',') != std::string::npos)
    throw UsageError("--endpoint-url lists several endpoints: only bench spreads its load over a list");
  std::lock_guard lock(clients_mutex_);
  std::unique_ptr<raws3::Client>& client = blob ? blob_client_ : s3_client_;
  if (client) return *client;
  raws3::Config config = config_;
  if (blob) {
    config.service = raws3::Service::AzureBlob;
    config.endpoint_url = options_.blob_endpoint;
  }
  client = std::make_unique<raws3::Client>(std::move(config));
  if (const std::string& why = client->io_fallback_reason(); !why.empty()) {
    Console::instance().err("s3-cli: io_uring unavailable (" + why + "): using " + client->io_backend());
  }
  Interrupts::set_fallback([s3 = s3_client_.get(), az = blob_client_.get()] {
    if (s3) s3->cancel();
    if (az) az->cancel();
  });
  return *client;
}

void Context::check_upload_part_size() const {
  if (!options_.part_size) return;
  const std::uint64_t part = parse_size_flag(*options_.part_size, "--part-size");
  if (part < raws3::kMinPartSize || part > raws3::kMaxPartSize) {
    throw UsageError("--part-size " + *options_.part_size +
                     " is outside what S3 accepts for upload parts, 5MiB to 5GiB (downloads take any size)");
  }
}

bool Context::progress_enabled(bool data_to_stdout) const {
  return progress_allowed(options_.quiet || options_.no_progress, data_to_stdout);
}

}  // namespace s3cli
