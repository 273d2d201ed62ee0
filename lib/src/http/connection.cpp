#include "http/connection.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "raws3/error.hpp"

namespace raws3::http {

io::Task<void> Connection::send_request(const Request& request, BodySource* body) {
  const std::string head = serialize_head(request);  // first: a refused header leaves the connection as it was
  reusable_ = false;
  saw_response_bytes_ = false;
  bytes_sent_ = bytes_received_ = 0;
  if (!body) {
    refuse_if_cancelled();
    co_await stream_->write_all(as_bytes(head));
    bytes_sent_ = head.size();
    co_return;
  }
  // The head rides with the first piece of the body: one send for small requests.
  std::span<const std::byte> piece = co_await body->next();
  refuse_if_cancelled();
  co_await stream_->write_all(as_bytes(head), piece);
  bytes_sent_ = head.size() + piece.size();
  while (!(piece = co_await body->next()).empty()) {
    refuse_if_cancelled();
    co_await stream_->write_all(piece);
    bytes_sent_ += piece.size();
  }
}

io::Task<const ResponseHead*> Connection::read_head(bool head_request) {
  parser_.start(head_request);
  for (int interim = 0;;) {
    if (in_begin_ < in_end_) {
      in_begin_ += parser_.parse_head(unread());
      if (parser_.head_complete()) {
        // An interim answer (100 Continue unasked, 103 Early Hints) has no body and comes before the real
        // one: passed over. 101 would change the protocol, which we never ask for, and stays an answer.
        const int status = parser_.head().status;
        if (status < 100 || status >= 200 || status == 101) break;
        if (++interim > kMaxInterimAnswers)
          throw MalformedResponse("more than " + std::to_string(kMaxInterimAnswers) + " interim (1xx) answers");
        parser_.start(head_request);
        continue;
      }
    }
    in_begin_ = in_end_ = 0;
    refuse_if_cancelled();
    std::size_t n = co_await stream_->read_some(in_);
    if (n == 0) {
      throw NetworkError("connection closed by " + stream_->peer() +
                         (saw_response_bytes_ ? " in the middle of the response headers"
                                              : " before any response"));
    }
    saw_response_bytes_ = true;
    bytes_received_ += n;
    in_end_ = n;
  }
  ++served_;
  const ResponseHead& head = parser_.head();
  if (parser_.message_complete()) reusable_ = head.keep_alive && in_begin_ == in_end_;
  co_return &head;
}

io::Task<void> Connection::copy_into(BodySink& sink, std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    std::span<std::byte> dest = sink.buffer();
    std::size_t n = std::min(dest.size(), bytes.size());
    std::memcpy(dest.data(), bytes.data(), n);
    bytes = bytes.subspan(n);
    co_await sink.commit(n);
  }
}

io::Task<void> Connection::read_body(BodySink& sink) {
  const ResponseHead& head = parser_.head();
  if (parser_.message_complete()) {
    sink.expect(0);
    co_await sink.finish();
    co_return;
  }
  if (!parser_.body_needs_decoding()) {
    const std::uint64_t length = *head.content_length;
    std::uint64_t remaining = length;
    sink.expect(length);
    std::span<const std::byte> early = unread().first(std::size_t(std::min<std::uint64_t>(remaining, unread().size())));
    in_begin_ += early.size();
    remaining -= early.size();
    co_await copy_into(sink, early);
    while (remaining > 0) {
      std::span<std::byte> dest = sink.buffer();
      if (dest.size() > remaining) dest = dest.first(std::size_t(remaining));
      refuse_if_cancelled();
      std::size_t n = co_await stream_->read_some(dest);
      if (n == 0)
        throw NetworkError("connection closed by " + stream_->peer() + " after " +
                           std::to_string(length - remaining) + " of " + std::to_string(length) +
                           " body bytes");
      remaining -= n;
      bytes_received_ += n;
      co_await sink.commit(n);
    }
    // Bytes beyond Content-Length mean the server and we disagree on framing: never reuse.
    reusable_ = head.keep_alive && in_begin_ == in_end_;
  } else {
    sink.expect(std::nullopt);
    std::vector<std::span<const std::byte>> pieces;
    for (;;) {
      if (in_begin_ < in_end_) {
        pieces.clear();
        in_begin_ += parser_.parse_body(unread(), pieces);
        for (std::span<const std::byte> piece : pieces) co_await copy_into(sink, piece);
        if (parser_.message_complete()) break;
      }
      in_begin_ = in_end_ = 0;
      refuse_if_cancelled();
      std::size_t n = co_await stream_->read_some(in_);
      if (n == 0) {
        parser_.finish_at_eof();
        // Nothing but the close ends such a body: over TLS, a close that close_notify did not vouch for
        // may be an attacker's or a broken path's cut.
        if (!head.chunked && !stream_->end_authenticated())
          throw NetworkError("connection from " + stream_->peer() +
                             " closed without TLS close_notify: a body that only the close ends may be cut short");
        break;
      }
      bytes_received_ += n;
      in_end_ = n;
    }
    reusable_ = head.keep_alive && head.chunked && in_begin_ == in_end_;
  }
  co_await sink.finish();
}

io::Task<void> Connection::skip_body(std::uint64_t limit) {
  const ResponseHead& head = parser_.head();
  if (parser_.message_complete()) co_return;
  if (!head.content_length || *head.content_length > limit) {
    reusable_ = false;
    co_return;
  }
  DiscardSink discard;
  co_await read_body(discard);
}

}  // namespace raws3::http
