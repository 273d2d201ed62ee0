// One request from description to answer: addressed and signed as the client's service wants
// (object_service.hpp), sent over a pooled connection, and retried when the failure is transient and the
// request may safely run again. S3's names (S3Request, S3Error) are kept for every service.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"
#include "io/task.hpp"
#include "raws3/error.hpp"
#include "s3/loop_context.hpp"
#include "s3/retry_policy.hpp"

namespace raws3::s3 {

struct S3Request {
  // Every field has a default so designated initializers may name only what they need.
  std::string method{};
  std::string bucket{};  // empty: the service (ListBuckets)
  std::string key{};
  std::vector<std::pair<std::string, std::string>> query{};  // decoded; encoded once, as signed
  std::vector<http::Header> headers{};                       // besides Host, Content-Length and x-amz-*
  http::BodySource* body = nullptr;
  std::string payload_hash{};  // hex SHA-256 of the body; empty: UNSIGNED-PAYLOAD (or the empty hash)
  bool idempotent = true;    // may be sent again after a failure that left its outcome unknown
  bool cleanup = false;      // undoes what a failed operation began (AbortMultipartUpload): runs after cancel
  // The attempts this request is part of (a GET resumed from the byte it reached), whose owner throws the
  // final error; null: its own.
  RetryPolicy* retry = nullptr;
};

struct S3Response {
  http::ResponseHead head;
  std::string body;  // when no sink took it
};

// Bodies we hold in memory (listings, error documents) stop here.
inline constexpr std::size_t kMaxBufferedBody = 64 << 20;

// Runs the request. A 2xx body goes to sink when one is given, else into S3Response::body; any other
// status throws raws3::S3Error. Transport failures throw raws3::NetworkError once retries are spent.
// Every attempt, whatever its end, is one Debug line of the endpoint's log.
//
// Retries follow the RetryPolicy (retry_policy.hpp), for idempotent requests only. With a sink, a
// transport failure goes up at once, since the sink may already hold part of the body: the caller
// retries, asking for what it lacks (range_get does). An error status never reaches the sink
// (sink->begin() is called for 2xx answers only), so those are retried here whatever the sink.
io::Task<S3Response> execute(LoopContext& context, const S3Request& request, http::BodySink* sink = nullptr);

// After Client::cancel(): cancels what the loop has in flight (once) and, unless the caller is cleaning
// up, throws raws3::Cancelled. Work that waits on anything but a request (a pipe, a retry's pause) calls
// it when it resumes.
void check_cancelled(LoopContext& context, bool cleanup = false);

// The time to sign with: ours, moved by what a RequestTimeTooSkewed answer taught us of the server's.
std::chrono::system_clock::time_point server_now(const Endpoint& endpoint);

// A code for an answer that names none ("NotFound" for 404, else "HTTP<status>").
std::string status_code_name(int status);

// The error an S3 answer carries: from its <Error> document, else from its status alone (HEAD has no body).
S3Error error_from_response(const http::ResponseHead& head, std::string_view body);

// The encoded query string, exactly as signed ("a=1&b=x%2Fy"); keys in the order given.
std::string encode_query(const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace raws3::s3
