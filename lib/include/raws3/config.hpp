// How a Client is set up: where it connects, as whom, and how hard it pushes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "raws3/addressing.hpp"
#include "raws3/credentials.hpp"
#include "raws3/export.hpp"
#include "raws3/log.hpp"

namespace raws3 {

// S3's limits on the size of an upload's parts (every part but the last). A part size outside them is a
// ConfigError before anything is sent, not a part S3 would refuse at CompleteMultipartUpload. GET ranges
// have no such limits.
inline constexpr std::uint64_t kMinPartSize = 5ull << 20;
inline constexpr std::uint64_t kMaxPartSize = 5ull << 30;

// What a client's event loops run on.
enum class IoEngine {
  Auto,   // io_uring where the kernel lets us set it up with everything the data path needs, else epoll
  Uring,  // io_uring or nothing: the Client's constructor throws raws3::Error saying why not
  Epoll,
};

// Whether whole-object downloads are checked against the checksum the server holds for the object.
enum class ChecksumMode {
  Off,            // none asked for, none checked
  WhenAvailable,  // checked wherever the server holds one (CRC32C, CRC32, CRC64NVME, SHA-1, SHA-256)
  Required,       // as WhenAvailable, and a download the server has no such checksum for fails (IntegrityError)
};

// "off", "when-available", "required"; throws ConfigError naming `what` (the flag or variable) otherwise.
RAWS3_API ChecksumMode parse_checksum_mode(std::string_view text, std::string_view what);

// Throughput knobs. Defaults are what we measured to pay on loopback and small machines; every field has a
// RAWS3_* environment variable, read by Tuning::from_env (and Config::from_environment) alone.
struct RAWS3_API Tuning {
  unsigned threads = 0;                        // RAWS3_THREADS: event loops; 0 = one per core
  unsigned max_conns = 64;                     // RAWS3_MAX_CONNS: connections per loop and endpoint
  std::uint64_t get_part_size = 8ull << 20;    // RAWS3_GET_PART_SIZE
  std::uint64_t get_threshold = 32ull << 20;   // RAWS3_GET_THRESHOLD: below it, one request
  unsigned get_inflight = 16;                  // RAWS3_GET_INFLIGHT
  std::uint64_t put_part_size = 8ull << 20;    // RAWS3_PUT_PART_SIZE: kMinPartSize to kMaxPartSize
  unsigned put_inflight = 8;                   // RAWS3_PUT_INFLIGHT
  // Server-side copies: CopyObject up to the threshold (S3 takes at most 5 GiB in one), above it
  // UploadPartCopy parts of this size, put_inflight at once.
  std::uint64_t copy_threshold = 5ull << 30;   // RAWS3_COPY_THRESHOLD: kMinPartSize to kMaxPartSize
  std::uint64_t copy_part_size = 256ull << 20;  // RAWS3_COPY_PART_SIZE: kMinPartSize to kMaxPartSize
  // Of a TransferQueue (raws3/transfer.hpp: cp -r, sync): transfers in flight, and the bytes of part
  // buffers their uploads may hold together.
  unsigned transfers = 64;                     // RAWS3_TRANSFERS
  std::uint64_t transfer_memory = 256ull << 20;  // RAWS3_TRANSFER_MEMORY
  // RAWS3_SEND_ZC_MIN: plain-HTTP request bodies of at least this size are sent with SEND_ZC; 0 = never.
  // Off by default: on loopback it measured a third slower (perf/README.md).
  std::uint64_t send_zc_min = 0;
  unsigned max_attempts = 5;                   // RAWS3_MAX_ATTEMPTS
  // 0 = no timeout, in both.
  unsigned connect_timeout_ms = 10'000;        // RAWS3_CONNECT_TIMEOUT_MS
  unsigned timeout_ms = 60'000;                // RAWS3_TIMEOUT_MS: no progress this long fails an attempt
  // RAWS3_DNS_TTL_MS: how long a host's addresses are used before new connections look them up again (in
  // the background: requests go on with the old ones). getaddrinfo tells no TTL; 30 s is the JVM's default.
  unsigned dns_ttl_ms = 30'000;
  IoEngine io_engine = IoEngine::Auto;         // RAWS3_IO: auto, uring or epoll
  ChecksumMode checksum_mode = ChecksumMode::WhenAvailable;  // RAWS3_CHECKSUM_MODE

  // Defaults overridden by the RAWS3_* variables that are set. A value that does not parse is a
  // ConfigError naming the variable.
  static Tuning from_env();
};

// "8388608", "8MiB", "8M", "64KiB", "1GiB", "1.5GiB" → bytes. K/M/G/T are binary (S3 tools' habit).
// Throws ConfigError naming `what` (the flag or variable) on anything else.
RAWS3_API std::uint64_t parse_byte_size(std::string_view text, std::string_view what);

// Which object service a client speaks.
enum class Service {
  S3,
  // Azure Blob storage: buckets are containers, keys are blob names, and every Client call means the same.
  // Multipart uploads are staged blocks committed by one Put Block List (there are none to list or abort).
  AzureBlob,
};

// An Azure storage account as the Azure CLI and SDKs take one. What is left empty comes from
// connection_string, else AZURE_STORAGE_CONNECTION_STRING, else AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY
// or AZURE_STORAGE_SAS_TOKEN. With a key requests are signed (SharedKey); with a SAS token only, the token
// goes in every URL.
struct AzureAccount {
  std::string name{};
  std::string key{};  // base64, as the portal shows it
  std::string sas{};  // a SAS token ("sv=...&sig=..."), a leading '?' allowed
  // "AccountName=...;AccountKey=...;BlobEndpoint=..." ("UseDevelopmentStorage=true" is Azurite's account).
  std::string connection_string{};
};

// Every field has a default, so designated initializers may name only what they set. Making one reads
// nothing and cannot fail: the AWS_* variables and shared files are read by Client's constructor, for what
// the Config leaves empty, and the RAWS3_* variables only by from_environment().
struct RAWS3_API Config {
  Service service = Service::S3;
  // S3: empty is resolved from AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile, else AWS S3 for the region.
  // Azure Blob: the Blob service's URL (Azurite: http://127.0.0.1:10000/devstoreaccount1); empty is the
  // connection string's BlobEndpoint, else https://<account>.blob.core.windows.net.
  std::string endpoint_url{};
  AzureAccount azure{};  // Azure Blob's account; the AWS fields below are S3's
  // Empty: AWS_REGION, AWS_DEFAULT_REGION, the profile, else us-east-1.
  std::string region{};
  // Unset: AWS_ACCESS_KEY_ID..., the shared files (assume-role, web identity, credential_process), container
  // credentials, instance metadata, in awscli's order. Temporary credentials are refreshed before they expire.
  std::optional<Credentials> credentials{};
  // Unsigned requests, for public buckets (awscli's --no-sign-request): no credentials are looked for.
  bool anonymous = false;
  std::string profile{};  // empty: AWS_PROFILE, else "default"
  Addressing addressing = Addressing::Auto;
  std::string ca_bundle{};  // empty: AWS_CA_BUNDLE, else the system store
  bool verify_tls = true;
  Tuning tuning{};  // Tuning's defaults; from_environment() reads the RAWS3_* variables
  // What the client logs (raws3/log.hpp), and where: an empty handler writes lines to stderr.
  LogLevel log_level = LogLevel::Off;
  LogHandler log_handler{};

  // A Config whose tuning comes from the RAWS3_* variables (Tuning::from_env), the rest left to Client's
  // constructor: what s3-cli starts from. Throws ConfigError naming a variable that does not parse.
  static Config from_environment();
};

}  // namespace raws3
