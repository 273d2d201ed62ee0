#include "s3/executor.hpp"

#include <algorithm>
#include <chrono>

#include "auth/timestamp.hpp"
#include "auth/uri_encode.hpp"
#include "http/response_parser.hpp"
#include "io/stream.hpp"
#include "raws3/error.hpp"
#include "s3/attempt_trace.hpp"
#include "s3/xml.hpp"

namespace raws3::s3 {

namespace {

// Error bodies are small XML documents; anything larger is not one we would read.
constexpr std::size_t kMaxErrorBody = 1 << 20;
// Bodies of failed answers up to this size are read and dropped so the connection serves again.
constexpr std::uint64_t kDrainLimit = 64 * 1024;

}  // namespace

std::string status_code_name(int status) {
  switch (status) {
    case 301: return "PermanentRedirect";
    case 307: return "TemporaryRedirect";
    case 400: return "BadRequest";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 409: return "Conflict";
    case 411: return "MissingContentLength";
    case 412: return "PreconditionFailed";
    case 416: return "InvalidRange";
    case 500: return "InternalError";
    case 501: return "NotImplemented";
    case 503: return "ServiceUnavailable";
    default: return "HTTP" + std::to_string(status);
  }
}

namespace {

// From the Date header ("Fri, 27 Nov 2026 11:01:43 GMT") of an answer that says our clock is off.
void learn_clock_skew(const Endpoint& endpoint, const http::ResponseHead& head) {
  const std::string* date = head.find("date");
  if (!date) return;
  const std::optional<std::chrono::system_clock::time_point> server = auth::parse_http_date(*date);
  if (!server) return;
  const auto skew = std::chrono::duration_cast<std::chrono::milliseconds>(*server - std::chrono::system_clock::now());
  endpoint.clock_skew_ms.store(skew.count(), std::memory_order_relaxed);
}

}  // namespace

std::chrono::system_clock::time_point server_now(const Endpoint& endpoint) {
  return std::chrono::system_clock::now() +
         std::chrono::milliseconds(endpoint.clock_skew_ms.load(std::memory_order_relaxed));
}

void check_cancelled(LoopContext& context, bool cleanup) {
  context.observe_cancel();
  if (!cleanup && context.endpoint().cancelled.load(std::memory_order_acquire))
    throw Cancelled("cancelled before it could finish");
}

std::string encode_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::string out;
  for (const auto& [k, v] : query) {
    if (!out.empty()) out += '&';
    auth::uri_encode_append(out, k);
    out += '=';
    auth::uri_encode_append(out, v);
  }
  return out;
}

S3Error error_from_response(const http::ResponseHead& head, std::string_view body) {
  const std::string* request_id = head.find("x-amz-request-id");
  const std::string* bucket_region = head.find("x-amz-bucket-region");
  std::string region = bucket_region ? *bucket_region : std::string();
  if (auto info = parse_error(body)) {
    if (!info->region.empty()) region = info->region;
    return S3Error(head.status, info->code, info->message,
                   !info->request_id.empty() ? info->request_id : (request_id ? *request_id : std::string()),
                   region);
  }
  // S3Error's message names the bucket's region when the server gave one.
  std::string message = head.reason.empty() ? "HTTP status " + std::to_string(head.status) : head.reason;
  return S3Error(head.status, status_code_name(head.status), message, request_id ? *request_id : std::string(),
                 region);
}

io::Task<S3Response> execute(LoopContext& context, const S3Request& request, http::BodySink* sink) {
  const Endpoint& endpoint = context.endpoint();
  const ObjectService& service = context.service();
  const WireTarget target = service.target(endpoint, request);
  const bool is_head = request.method == "HEAD";

  auth::SignableRequest signable;
  signable.method = request.method;
  signable.path = target.path;
  signable.query = request.query;
  signable.headers.reserve(request.headers.size() + 6);
  signable.headers.push_back({"Host", target.host_header});
  for (const http::Header& h : request.headers) signable.headers.push_back({h.name, h.value});
  if (request.body)
    signable.headers.push_back({"Content-Length", std::to_string(request.body->size())});
  else if (request.method == "PUT" || request.method == "POST")
    signable.headers.push_back({"Content-Length", "0"});

  std::string wire_target = target.path;
  std::string query = encode_query(request.query);
  if (!target.raw_query.empty()) query += (query.empty() ? "" : "&") + target.raw_query;
  if (!query.empty()) wire_target += "?" + query;
  http::ConnectionPool& pool = *co_await context.pool_for(target.connect_host);

  RetryPolicy own_attempts(endpoint);
  RetryPolicy& retry = request.retry ? *request.retry : own_attempts;
  auto describe = [&] { return describe_request(request); };
  bool fresh = false;
  for (;;) {
    check_cancelled(context, request.cleanup);
    // Signed anew each attempt: a retry after a long backoff must not carry a stale date.
    auth::SignableRequest signed_request = signable;
    co_await service.sign(context, signed_request, request);
    http::Request wire{request.method, wire_target, {}};
    wire.headers.reserve(signed_request.headers.size());
    for (auth::Header& h : signed_request.headers) wire.headers.push_back({std::move(h.name), std::move(h.value)});
    if (request.body) request.body->rewind();

    AttemptTrace trace(endpoint.log, request, retry);
    bool stale = false;
    std::optional<S3Error> refusal;
    try {
      // A request that must not run twice goes on a new connection: on a kept-alive one, the server may
      // have closed it as we sent, and then nothing tells whether the request reached it.
      http::PooledConnection connection = co_await pool.acquire(fresh || !request.idempotent);
      check_cancelled(context, request.cleanup);  // the wait for a connection may have outlasted a cancel
      connection->cancel_with(request.cleanup ? nullptr : &endpoint.cancelled);
      const bool reused = connection->requests_served() > 0;
      trace.connected(reused);
      try {
        // A server may refuse a request from its headers alone, answer before the body is in and close:
        // the send then fails, but the answer, with its S3 code, is what to report. Only when there is none
        // does the send's failure stand.
        std::exception_ptr send_failure;
        try {
          co_await connection->send_request(wire, request.body);
        } catch (const NetworkError&) {
          send_failure = std::current_exception();
        }
        std::optional<http::ResponseHead> answered;
        try {
          answered = *co_await connection->read_head(is_head);
        } catch (const NetworkError&) {
          if (!send_failure) throw;
        }
        // A success before the whole body went would be a server's mistake: the send's failure stands.
        if (send_failure && (!answered || answered->status / 100 == 2)) std::rethrow_exception(send_failure);
        const http::ResponseHead head = std::move(*answered);
        trace.answered(head);
        if (head.status >= 200 && head.status < 300) {
          S3Response response{head, {}};
          if (sink) {
            if (sink->begin(head)) co_await connection->read_body(*sink);
          } else {
            http::StringSink body(kMaxBufferedBody);
            co_await connection->read_body(body);
            response.body = body.take();
          }
          trace.took(*connection);
          trace.answer();
          retry.succeeded();
          co_return response;
        }
        std::string error_body;
        if (!is_head && head.content_length.value_or(0) <= kMaxErrorBody) {
          http::StringSink body(kMaxErrorBody);
          co_await connection->read_body(body);
          error_body = body.take();
        } else {
          co_await connection->skip_body(kDrainLimit);
        }
        refusal = service.refusal(head, error_body);
        trace.took(*connection);
        trace.refused(*refusal);
        if (refusal->code() == "RequestTimeTooSkewed") learn_clock_skew(endpoint, head);
      } catch (const io::StreamTimeout&) {
        trace.took(*connection);  // no answer in time: the server may be working on it
        throw;
      } catch (...) {
        stale = reused && !connection->saw_response_bytes();
        trace.took(*connection);
        throw;
      }
    } catch (const NetworkError& e) {
      trace.failed(e);
      check_cancelled(context, request.cleanup);  // the failure may be the cancellation itself
      // A kept-alive connection the server had closed (a reset or an early close before any answer):
      // nothing reached it, so the request goes again at once. Only idempotent requests use kept-alive
      // connections for that reason.
      if (stale && retry.again()) {
        fresh = true;
        continue;
      }
      // Not HTTP: whatever answered (a proxy, a half-dead connection) gets no second request.
      if (dynamic_cast<const http::MalformedResponse*>(&e)) fresh = true;
      // A sink may already hold part of the body: the caller retries, resuming from what it holds.
      if (!request.idempotent || sink || !retry.retry(e, describe)) {
        if (request.retry) throw;
        throw retry.exhausted(e);
      }
    } catch (const std::exception& e) {
      trace.failed(e);
      throw;
    }
    if (refusal && (!request.idempotent || !retry.retry(*refusal, describe))) {
      if (request.retry) throw *refusal;
      throw retry.exhausted(*refusal);
    }
    co_await context.loop().sleep(retry.pause());
  }
}

}  // namespace raws3::s3
