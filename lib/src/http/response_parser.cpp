#include "http/response_parser.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "raws3/error.hpp"

namespace raws3::http {

namespace {

const llhttp_settings_t& settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t v;
    llhttp_settings_init(&v);
    return v;
  }();
  return s;
}

ResponseParser& self(llhttp_t* p) { return *static_cast<ResponseParser*>(p->data); }

bool contains_token(std::string_view value, std::string_view token) {
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return lower.find(token) != std::string::npos;
}

}  // namespace

ResponseParser::ResponseParser() {
  static const llhttp_settings_t callbacks = [] {
    llhttp_settings_t v = settings();
    v.on_status = &ResponseParser::on_status;
    v.on_header_field = &ResponseParser::on_header_field;
    v.on_header_value = &ResponseParser::on_header_value;
    v.on_headers_complete = &ResponseParser::on_headers_complete;
    v.on_body = &ResponseParser::on_body;
    v.on_message_complete = &ResponseParser::on_message_complete;
    return v;
  }();
  llhttp_init(&parser_, HTTP_RESPONSE, &callbacks);
  parser_.data = this;
}

void ResponseParser::start(bool head_request) {
  llhttp_reset(&parser_);
  parser_.data = this;
  head_ = ResponseHead{};
  head_bytes_ = 0;
  head_request_ = head_request;
  head_complete_ = false;
  message_complete_ = false;
  in_value_ = false;
}

void ResponseParser::fail(llhttp_errno_t err) const {
  const char* reason = llhttp_get_error_reason(&parser_);
  throw MalformedResponse(std::string("malformed HTTP response: ") + llhttp_errno_name(err) +
                     (reason && *reason ? std::string(" (") + reason + ")" : std::string()));
}

std::size_t ResponseParser::parse_head(std::span<const std::byte> data) {
  const char* begin = reinterpret_cast<const char*>(data.data());
  llhttp_errno_t err = llhttp_execute(&parser_, begin, data.size());
  if (err == HPE_OK) {
    head_bytes_ += data.size();
    if (head_bytes_ > kMaxHeadBytes)
      throw MalformedResponse("HTTP response header block exceeds " + std::to_string(kMaxHeadBytes / 1024) + " KiB");
    return data.size();
  }
  if (err != HPE_PAUSED) fail(err);
  // Paused by on_headers_complete: everything up to the pause position was the head.
  std::size_t used = std::size_t(llhttp_get_error_pos(&parser_) - begin);
  llhttp_resume(&parser_);
  return used;
}

bool ResponseParser::body_needs_decoding() const noexcept {
  return !head_request_ && (head_.chunked || !head_.content_length) && head_.status != 204 &&
         head_.status != 304 && head_.status >= 200;
}

std::size_t ResponseParser::parse_body(std::span<const std::byte> data,
                                       std::vector<std::span<const std::byte>>& pieces) {
  pieces_ = &pieces;
  const char* begin = reinterpret_cast<const char*>(data.data());
  llhttp_errno_t err = llhttp_execute(&parser_, begin, data.size());
  pieces_ = nullptr;
  if (err == HPE_OK) return data.size();
  if (err == HPE_PAUSED) {  // paused by on_message_complete
    std::size_t used = std::size_t(llhttp_get_error_pos(&parser_) - begin);
    llhttp_resume(&parser_);
    return used;
  }
  fail(err);
}

void ResponseParser::finish_at_eof() {
  if (message_complete_) return;
  // on_message_complete pauses the parser, so a clean finish reports HPE_PAUSED.
  llhttp_errno_t err = llhttp_finish(&parser_);
  if ((err != HPE_OK && err != HPE_PAUSED) || !message_complete_)
    throw NetworkError("connection closed before the end of the HTTP response body");
}

int ResponseParser::on_status(llhttp_t* p, const char* at, std::size_t len) {
  self(p).head_.reason.append(at, len);
  return 0;
}

int ResponseParser::on_header_field(llhttp_t* p, const char* at, std::size_t len) {
  ResponseParser& s = self(p);
  if (s.in_value_ || s.head_.headers.empty()) {
    s.head_.headers.push_back({});
    s.in_value_ = false;
  }
  std::string& name = s.head_.headers.back().name;
  for (std::size_t i = 0; i < len; ++i) name.push_back(char(std::tolower(static_cast<unsigned char>(at[i]))));
  return 0;
}

int ResponseParser::on_header_value(llhttp_t* p, const char* at, std::size_t len) {
  ResponseParser& s = self(p);
  s.in_value_ = true;
  s.head_.headers.back().value.append(at, len);
  return 0;
}

int ResponseParser::on_headers_complete(llhttp_t* p) {
  ResponseParser& s = self(p);
  ResponseHead& h = s.head_;
  h.status = llhttp_get_status_code(p);
  h.chunked = (p->flags & F_CHUNKED) != 0;
  if ((p->flags & F_CONTENT_LENGTH) && !h.chunked) h.content_length = p->content_length;
  const std::string* connection = h.find("connection");
  h.keep_alive = llhttp_get_http_minor(p) >= 1 && !(connection && contains_token(*connection, "close"));
  s.head_complete_ = true;
  if (s.head_request_ || h.status == 204 || h.status == 304) {
    s.message_complete_ = true;
    return HPE_PAUSED;
  }
  if (!s.body_needs_decoding() && h.content_length == 0) s.message_complete_ = true;
  return HPE_PAUSED;
}

int ResponseParser::on_body(llhttp_t* p, const char* at, std::size_t len) {
  ResponseParser& s = self(p);
  if (s.pieces_) s.pieces_->push_back({reinterpret_cast<const std::byte*>(at), len});
  return 0;
}

int ResponseParser::on_message_complete(llhttp_t* p) {
  self(p).message_complete_ = true;
  return HPE_PAUSED;
}

}  // namespace raws3::http
