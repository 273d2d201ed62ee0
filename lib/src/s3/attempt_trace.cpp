#include "s3/attempt_trace.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace raws3::s3 {

std::string describe_request(std::string_view method, std::string_view bucket, std::string_view key,
                             const std::vector<std::pair<std::string, std::string>>& query, std::string_view range) {
  std::string out(method);
  out += " s3://";
  out += bucket;
  if (!key.empty()) {
    out += '/';
    out += key;
  }
  std::vector<std::pair<std::string, std::string>> shown;
  for (const auto& parameter : query) {
    constexpr std::string_view kAmz = "x-amz-";
    const std::string& name = parameter.first;
    const bool amz = name.size() >= kAmz.size() &&
                     std::equal(kAmz.begin(), kAmz.end(), name.begin(),
                                [](char lower, char c) { return std::tolower(static_cast<unsigned char>(c)) == lower; });
    if (!amz) shown.push_back(parameter);
  }
  if (!shown.empty()) out += "?" + encode_query(shown);
  if (!range.empty()) {
    out += ' ';
    out += range;
  }
  return out;
}

std::string describe_request(const S3Request& request) {
  std::string_view range;
  for (const http::Header& h : request.headers)
    if (h.name == "Range") range = h.value;
  return describe_request(request.method, request.bucket, request.key, request.query, range);
}

void AttemptTrace::note_ids(const http::ResponseHead& head) {
  status_ = head.status;
  // x-amzn-requestid: what moto, and AWS services other than S3, call it.
  if (const std::string* id = head.find("x-amz-request-id"))
    request_id_ = *id;
  else if (const std::string* other = head.find("x-amzn-requestid"))
    request_id_ = *other;
  if (const std::string* id = head.find("x-amz-id-2")) id2_ = *id;
}

void AttemptTrace::write(const std::string& outcome, std::string_view fallback_request_id, std::string_view cause) const {
  std::string line = describe_request(request_);
  char took[32];
  std::snprintf(took, sizeof took, "%.1f ms",
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count());
  line += ": " + outcome + " in " + took;
  if (!cause.empty()) {
    line += ": ";
    line += cause;
  }
  line += " (attempt " + std::to_string(retry_.attempt()) + " of " + std::to_string(retry_.max_attempts());
  if (connection_ == Connection::None)
    line += ", no connection";
  else
    line += std::string(connection_ == Connection::New ? ", new" : ", reused") + " connection, sent " +
            std::to_string(sent_) + " B, received " + std::to_string(received_) + " B";
  const std::string_view request_id = !request_id_.empty() ? std::string_view(request_id_) : fallback_request_id;
  if (!request_id.empty()) {
    line += ", request id ";
    line += request_id;
  }
  if (!id2_.empty()) line += ", id2 " + id2_;
  line += ')';
  log_.write(LogLevel::Debug, line);
}

}  // namespace raws3::s3
