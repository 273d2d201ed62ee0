// libFuzzer target: arbitrary bytes as each answer a credential source gives (auth/): STS's XML, instance
// metadata's, container endpoints' and credential_process's JSON, an ISO 8601 expiration. The first byte
// chooses the reader.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/container_credentials.hpp"
#include "auth/credential_process.hpp"
#include "auth/instance_metadata.hpp"
#include "auth/sts.hpp"
#include "auth/timestamp.hpp"
#include "raws3/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  namespace auth = raws3::auth;
  const auto now = std::chrono::system_clock::now();
  try {
    switch (data[0] % 6) {
      case 0: (void)auth::parse_sts_answer({200, std::string(body)}, "sts", now); break;
      case 1: (void)auth::parse_sts_answer({403, std::string(body)}, "sts", now); break;
      case 2: (void)auth::parse_imds_credentials(body, "imds", now); break;
      case 3: (void)auth::parse_container_credentials(body, "container", now); break;
      case 4: (void)auth::parse_credential_process_output(body, "process", now); break;
      default: (void)auth::parse_iso8601(body); break;
    }
  } catch (const raws3::Error&) {
    // Readers refuse what holds no credentials (ConfigError).
  }
  return 0;
}
