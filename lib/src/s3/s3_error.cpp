#include <algorithm>
#include <string>
#include <utility>

#include "raws3/error.hpp"

namespace raws3 {
namespace {

// "NoSuchKey (HTTP 404): The specified key does not exist. [request id ABC]", on one line.
std::string describe(int http_status, const std::string& code, const std::string& message,
                     const std::string& request_id, const std::string& region) {
  std::string out = (code.empty() ? "S3 error" : code) + " (HTTP " + std::to_string(http_status) + ")";
  if (!message.empty()) {
    std::string flat = message;
    std::replace_if(
        flat.begin(), flat.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    out += ": " + flat;
  }
  if (!region.empty()) out += " [bucket region " + region + "]";
  if (!request_id.empty()) out += " [request id " + request_id + "]";
  return out;
}

}  // namespace

S3Error::S3Error(int http_status, std::string code, std::string message, std::string request_id,
                 std::string region)
    : Error(describe(http_status, code, message, request_id, region)),
      http_status_(http_status),
      code_(std::move(code)),
      message_(std::move(message)),
      request_id_(std::move(request_id)),
      region_(std::move(region)) {}

}  // namespace raws3
