#include "raws3/object_writer.hpp"

#include <utility>

#include "raws3/error.hpp"

namespace raws3 {

ObjectWriter::ObjectWriter(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}
ObjectWriter::ObjectWriter(ObjectWriter&&) noexcept = default;

ObjectWriter& ObjectWriter::operator=(ObjectWriter&& other) noexcept {
  if (this != &other) {
    abort();
    backend_ = std::move(other.backend_);
    result_ = std::move(other.result_);
    written_ = other.written_;
  }
  return *this;
}

ObjectWriter::~ObjectWriter() { abort(); }

template <class F>
decltype(auto) ObjectWriter::guarded(F&& f) {
  if (!backend_) throw Error("this object writer is finished or aborted");
  try {
    return f();
  } catch (...) {
    abort();
    throw;
  }
}

void ObjectWriter::write_chunk(std::span<const std::byte> bytes) {
  guarded([&] { backend_->write_chunk(bytes); });
  written_ += bytes.size();
}

void ObjectWriter::write_owned(std::vector<std::byte> buffer) {
  const std::size_t n = buffer.size();
  guarded([&] { backend_->write_owned(std::move(buffer)); });
  written_ += n;
}

void ObjectWriter::write_borrowed(std::span<const std::byte> bytes) {
  guarded([&] { backend_->write_borrowed(bytes); });
  written_ += bytes.size();
}

std::string ObjectWriter::finish() {
  result_ = guarded([&] { return backend_->finish(); });
  backend_.reset();
  return result_.etag;
}

void ObjectWriter::abort() noexcept {
  if (!backend_) return;
  std::unique_ptr<Backend> backend = std::move(backend_);
  backend->abort();
}

}  // namespace raws3
