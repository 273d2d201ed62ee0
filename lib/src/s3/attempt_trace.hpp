// The Debug line every request attempt ends with, and how log lines name a request.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/connection.hpp"
#include "s3/executor.hpp"

namespace raws3::s3 {

// "GET s3://bucket/key?partNumber=2&uploadId=ID bytes=0-99". Query parameters that could carry a
// credential (X-Amz-*) are left out.
std::string describe_request(std::string_view method, std::string_view bucket, std::string_view key,
                             const std::vector<std::pair<std::string, std::string>>& query, std::string_view range);
std::string describe_request(const S3Request& request);

// What one attempt did, written as one line when it ends ("GET s3://b/k bytes=0-99: 206 in 1.2 ms
// (attempt 1 of 5, reused connection, sent 350 B, received 420 B, request id ID, id2 ID2)"). Inert, with no
// clock read and no string built, unless the log shows Debug.
class AttemptTrace {
 public:
  AttemptTrace(const Logger& log, const S3Request& request, const RetryPolicy& retry)
      : log_(log), request_(request), retry_(retry), on_(log.enabled(LogLevel::Debug)) {
    if (on_) start_ = std::chrono::steady_clock::now();
  }

  void connected(bool reused) noexcept { connection_ = reused ? Connection::Reused : Connection::New; }
  void answered(const http::ResponseHead& head) {
    if (on_) note_ids(head);
  }
  void took(const http::Connection& connection) noexcept {
    sent_ = connection.bytes_sent();
    received_ = connection.bytes_received();
  }

  // The attempt's end, one of three.
  void answer() const {
    if (on_) write(std::to_string(status_));
  }
  void refused(const S3Error& refusal) const {
    if (on_) write(std::to_string(status_) + " " + refusal.code(), refusal.request_id());
  }
  void failed(const std::exception& failure) const {
    if (on_) write(status_ ? "failed after " + std::to_string(status_) : std::string("failed"), {}, failure.what());
  }

 private:
  enum class Connection { None, New, Reused };

  void note_ids(const http::ResponseHead& head);
  void write(const std::string& outcome, std::string_view fallback_request_id = {}, std::string_view cause = {}) const;

  const Logger& log_;
  const S3Request& request_;
  const RetryPolicy& retry_;
  const bool on_;
  std::chrono::steady_clock::time_point start_{};
  Connection connection_ = Connection::None;
  int status_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
  std::string request_id_;
  std::string id2_;
};

}  // namespace raws3::s3
