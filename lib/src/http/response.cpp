#include "http/response.hpp"

#include <string>

#include "raws3/error.hpp"

namespace raws3::http {

namespace {
// Growth step of a StringSink whose body length is not known in advance.
constexpr std::size_t kStringSinkStep = 16 * 1024;
}  // namespace

const std::string* ResponseHead::find(std::string_view lower_name) const noexcept {
  for (const Header& h : headers)
    if (h.name == lower_name) return &h.value;
  return nullptr;
}

void StringSink::expect(std::optional<std::uint64_t> length) {
  if (!length) return;
  if (*length > limit_)
    throw NetworkError("response body of " + std::to_string(*length) + " bytes exceeds the " +
                       std::to_string(limit_) + "-byte limit for this kind of response");
  body_.resize(std::size_t(*length));
}

std::span<std::byte> StringSink::buffer() {
  if (filled_ == body_.size()) {
    if (body_.size() >= limit_)
      throw NetworkError("response body exceeds the " + std::to_string(limit_) +
                         "-byte limit for this kind of response");
    body_.resize(std::min(limit_, body_.size() + kStringSinkStep));
  }
  return {reinterpret_cast<std::byte*>(body_.data()) + filled_, body_.size() - filled_};
}

io::Task<void> StringSink::commit(std::size_t n) {
  filled_ += n;
  co_return;
}

std::string StringSink::take() {
  body_.resize(filled_);
  return std::move(body_);
}

void SpanSink::expect(std::optional<std::uint64_t> length) {
  if (length && *length > dest_.size())
    throw Error("object body of " + std::to_string(*length) + " bytes does not fit the " +
                std::to_string(dest_.size()) + "-byte destination");
}

std::span<std::byte> SpanSink::buffer() {
  if (filled_ == dest_.size())
    throw Error("object body does not fit the " + std::to_string(dest_.size()) + "-byte destination");
  return dest_.subspan(filled_);
}

io::Task<void> SpanSink::commit(std::size_t n) {
  filled_ += n;
  co_return;
}

}  // namespace raws3::http
