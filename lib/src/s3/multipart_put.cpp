#include "s3/multipart_put.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "auth/hash.hpp"
#include "raws3/error.hpp"
#include "s3/checksums.hpp"
#include "s3/executor.hpp"
#include "s3/operations.hpp"
#include "s3/xml.hpp"

namespace raws3::s3 {

// Requests are named locals, never temporaries inside a co_await expression (GCC 12 double-frees those).

namespace {

constexpr std::uint64_t kMiB = 1 << 20;

}  // namespace

PartPlan plan_parts(std::uint64_t wanted, std::optional<std::uint64_t> size, std::string_view what,
                    PartLimits limits) {
  // Refused, not raised: the part size is what bounds an upload's memory ((inflight + 1) parts), so a
  // silent raise to 5 MiB would break the bound the caller chose.
  if (wanted < kMinPartSize || wanted > kMaxPartSize)
    throw ConfigError(std::string(what) + ": a part size of " + std::to_string(wanted) +
                      " bytes is outside what S3 accepts for uploads, 5 MiB (5242880) to 5 GiB; only an upload's "
                      "last part may be smaller");
  if (!size || *size <= wanted * limits.max_parts) return {wanted, false};
  const std::uint64_t needed = (*size + limits.max_parts - 1) / limits.max_parts;
  const std::uint64_t raised = (needed + kMiB - 1) / kMiB * kMiB;
  if (raised > limits.max_part_size)
    throw ConfigError("an object of " + std::to_string(*size) + " bytes is larger than the service's limit (" +
                      std::to_string(limits.max_parts) + " parts of " + std::to_string(limits.max_part_size) +
                      " bytes)");
  return {raised, true};
}

Upload::Upload(LoopContext& home, std::vector<LoopContext*> loops, UploadSettings settings)
    : home_(home),
      loops_(std::move(loops)),
      settings_(std::move(settings)) {}

Upload::~Upload() = default;

void Upload::throw_if_failed() const {
  if (failure_) std::rethrow_exception(failure_);
  if (aborted_) throw Error("the upload of '" + settings_.key + "' was aborted");
}

io::Task<void> Upload::push_current(bool last) {
  if (!current_ || current_.filled() == 0 || !(last || current_.full())) co_return;
  Part part{std::move(current_), nullptr, {}};
  part.bytes = part.chunk.data();
  co_await push(std::move(part));
}

io::Task<io::ChunkRing::Chunk> Upload::acquire_chunk() {
  if (!ring_) {
    // A known size needs no more chunks than parts, nor chunks larger than itself.
    const std::uint64_t part = part_size();
    std::uint64_t chunk = part;
    unsigned count = settings_.inflight + 1;
    if (settings_.size) {
      chunk = std::clamp<std::uint64_t>(*settings_.size, 1, part);
      count = unsigned(std::clamp<std::uint64_t>((*settings_.size + part - 1) / part, 1, count));
    }
    ring_.emplace(home_.loop(), std::size_t(chunk), count);
  }
  io::ChunkRing::Chunk chunk = co_await ring_->acquire();
  throw_if_failed();
  co_return chunk;
}

io::Task<std::span<std::byte>> Upload::advance(std::size_t n) {
  throw_if_failed();
  current_.commit(n);
  co_await push_current(false);
  if (!current_) current_ = co_await acquire_chunk();
  co_return current_.room();
}

io::Task<void> Upload::write_borrowed(std::span<const std::byte> bytes) {
  co_await write_owned(SharedBytes{bytes, nullptr});
  if (held_ && held_->borrowed()) {
    // Whether a second part follows is still unknown, so the first cannot leave yet: it waits in a chunk.
    io::ChunkRing::Chunk copy = co_await acquire_chunk();
    std::memcpy(copy.room().data(), held_->bytes.data(), held_->bytes.size());
    copy.commit(held_->bytes.size());
    held_->chunk = std::move(copy);
    held_->bytes = held_->chunk.data();
  }
  co_await drain();
  throw_if_failed();
}

io::Task<void> Upload::write_owned(SharedBytes buffer) {
  std::span<const std::byte> rest = buffer.bytes;
  // Top up a chunk already begun, so that every part but the last stays part_size long.
  if (current_ && current_.filled() > 0) {
    const std::size_t n = std::min(rest.size(), current_.room().size());
    std::memcpy(current_.room().data(), rest.data(), n);
    rest = rest.subspan(n);
    current_.commit(n);
    co_await push_current(false);
  }
  const std::size_t part = std::size_t(part_size());
  while (rest.size() >= part) {
    Part slice{{}, buffer.owner, rest.first(part)};
    rest = rest.subspan(part);
    co_await push(std::move(slice));
  }
  if (rest.empty()) co_return;
  std::span<std::byte> room = co_await advance(0);
  std::memcpy(room.data(), rest.data(), rest.size());
  current_.commit(rest.size());
}

io::Task<void> Upload::push(Part part) {
  throw_if_failed();
  pushed_ += part.bytes.size();
  if (upload_id_.empty()) {
    if (!held_) {
      held_ = std::move(part);
      co_return;
    }
    co_await start();
    Part first = std::move(*held_);
    held_.reset();
    co_await send(std::move(first));
  }
  co_await send(std::move(part));
}

io::Task<void> Upload::start() {
  io::Task<std::string> create = home_.service().create_upload(home_, settings_.bucket, settings_.key, settings_.options);
  upload_id_ = co_await std::move(create);
}

io::Task<void> Upload::send(Part part) {
  while (in_flight_.size() >= settings_.inflight) co_await slot_waiters_.wait();
  throw_if_failed();
  const int number = next_part_++;
  const std::uint64_t max_parts = home_.service().part_limits().max_parts;
  if (std::uint64_t(number) > max_parts)
    throw Error("'" + settings_.key + "' needs more than " + std::to_string(max_parts) + " parts of " +
                std::to_string(part_size()) +
                " bytes: raise the part size (RAWS3_PUT_PART_SIZE)");
  const std::span<const std::byte> bytes = part.bytes;
  in_flight_.emplace(number, std::move(part));
  LoopContext& target = *loops_[next_loop_++ % loops_.size()];
  target.loop().post([this, &target, number, bytes, bucket = settings_.bucket, key = settings_.key,
                      upload_id = upload_id_, checksum = settings_.options.checksum] {
    io::spawn(target.service().upload_part(target, bucket, key, upload_id, number, bytes, checksum),
              [this, number](PartOutcome outcome, std::exception_ptr error) {
                home_.loop().post([this, number, outcome = std::move(outcome), error] {
                  part_done(number, outcome, error);
                });
              });
  });
}

void Upload::part_done(int number, PartOutcome outcome, std::exception_ptr error) {
  auto it = in_flight_.find(number);
  const std::uint64_t bytes = it->second.bytes.size();
  Part done = std::move(it->second);
  in_flight_.erase(it);
  if (error) {
    if (!failure_) failure_ = error;
  } else {
    completed_.push_back(std::move(std::get<CompletedPart>(outcome)));
    acknowledged_ += bytes;
    if (settings_.options.progress) settings_.options.progress(acknowledged_, settings_.size.value_or(0));
  }
  // State is settled before anyone waiting is resumed: releasing the chunk may run the source at once.
  done.chunk.reset();
  done.owner.reset();
  // Resuming a waiter may end the upload and destroy this Upload within the call (when the service's abort
  // sends nothing, as Blob's, the whole failure path runs without suspending): who is woken is decided
  // first, and nothing of this is touched after.
  io::WaitQueue sender = slot_waiters_.take_one();
  io::WaitQueue drained = in_flight_.empty() ? drain_waiters_.take_all() : io::WaitQueue();
  sender.wake_all();
  drained.wake_all();
}

io::Task<void> Upload::drain() {
  while (!in_flight_.empty()) co_await drain_waiters_.wait();
}

io::Task<PutResult> Upload::finish(std::size_t n) {
  std::exception_ptr error;
  try {
    throw_if_failed();
    current_.commit(n);
    co_await push_current(true);
    current_.reset();
    co_return co_await complete();
  } catch (...) {
    error = std::current_exception();
  }
  co_await abort();
  std::rethrow_exception(error);
}

io::Task<PutResult> Upload::complete() {
  PutResult result{.etag = {},
                   .size = pushed_,
                   .part_size = part_size(),
                   .parts = 0,
                   .part_size_raised = settings_.plan.raised};
  if (upload_id_.empty()) {
    // At most one part: a PutObject.
    std::span<const std::byte> body = held_ ? held_->bytes : std::span<const std::byte>{};
    io::Task<std::string> put = home_.service().put_object(home_, settings_.bucket, settings_.key, body, settings_.options);
    result.etag = co_await std::move(put);
    held_.reset();
    if (settings_.options.progress) settings_.options.progress(result.size, result.size);
    co_return result;
  }
  co_await drain();
  throw_if_failed();
  result.parts = unsigned(completed_.size());
  io::Task<std::string> complete =
      home_.service().complete_upload(home_, settings_.bucket, settings_.key, upload_id_, completed_, settings_.options);
  result.etag = co_await std::move(complete);
  upload_id_.clear();
  if (settings_.options.progress) settings_.options.progress(result.size, result.size);
  co_return result;
}

io::Task<void> Upload::abort() noexcept {
  if (aborted_) co_return;
  aborted_ = true;
  co_await drain();
  held_.reset();
  current_.reset();
  if (upload_id_.empty()) co_return;
  try {
    io::Task<void> abandon = home_.service().abort_upload(home_, settings_.bucket, settings_.key, upload_id_);
    co_await std::move(abandon);
  } catch (...) {
    // Nothing more to do here: the caller gets the failure that made us abort, which matters more.
  }
  upload_id_.clear();
}

io::Task<PutResult> Upload::conclude(std::exception_ptr source_error, std::size_t n) {
  if (source_error) {
    co_await abort();
    std::rethrow_exception(source_error);
  }
  co_return co_await finish(n);
}

namespace {

// A regular file no larger than one of the loops' file buffers, read into plain memory and sent as one
// PutObject. A chunk ring of its own would be mapped, registered with the ring and unmapped for every
// such file: measured, that was 40% of cp -r's CPU for 64 KiB files (the TLB shootdowns of munmap, and
// io_uring_register pinning pages).
io::Task<PutResult> put_small_file(LoopContext& home, UploadSettings settings, int fd, std::size_t size,
                                   std::string name_for_errors) {
  std::vector<std::byte> body(size);
  std::size_t got = 0;
  while (got < size) {
    const int n = co_await home.loop().read(fd, std::span(body).subspan(got), got);
    check_cancelled(home);
    if (n == -EINTR || n == -EAGAIN) continue;
    if (n < 0) throw FileError("cannot read '" + name_for_errors + "': " + std::strerror(-n));
    if (n == 0) throw FileError("'" + name_for_errors + "' shrank while it was being uploaded");
    got += std::size_t(n);
  }
  PutResult result{.etag = {}, .size = size, .part_size = settings.plan.part_size, .parts = 0,
                   .part_size_raised = settings.plan.raised};
  io::Task<std::string> put = home.service().put_object(home, settings.bucket, settings.key, body, settings.options);
  result.etag = co_await std::move(put);
  if (settings.options.progress) settings.options.progress(size, size);
  co_return result;
}

}  // namespace

io::Task<PutResult> upload_fd(LoopContext& home, std::vector<LoopContext*> loops, UploadSettings settings, int fd,
                              std::optional<std::uint64_t> size, std::string name_for_errors) {
  if (size && *size <= LoopContext::kFileBufferSize)
    co_return co_await put_small_file(home, std::move(settings), fd, std::size_t(*size), std::move(name_for_errors));
  Upload upload(home, std::move(loops), std::move(settings));
  std::exception_ptr error;
  std::size_t got = 0;
  try {
    // -1: the descriptor's own position, which is all a pipe has.
    constexpr std::uint64_t kCurrentPosition = ~std::uint64_t{0};
    io::Loop& loop = home.loop();
    std::uint64_t offset = 0;
    for (;;) {
      if (size && offset == *size) break;
      std::span<std::byte> room = co_await upload.advance(got);
      got = 0;
      if (size) room = room.first(std::size_t(std::min<std::uint64_t>(room.size(), *size - offset)));
      const std::uint64_t at = size ? offset : kCurrentPosition;
      const int index = upload.room_index();
      const int n = index >= 0 ? co_await loop.read_fixed(fd, room, at, index) : co_await loop.read(fd, room, at);
      check_cancelled(home);  // a pipe may keep us waiting here for ever
      if (n < 0) {
        if (n == -EINTR || n == -EAGAIN) continue;
        throw FileError("cannot read '" + name_for_errors + "': " + std::strerror(-n));
      }
      if (n == 0) {
        if (size) throw FileError("'" + name_for_errors + "' shrank while it was being uploaded");
        break;
      }
      got = std::size_t(n);
      offset += got;
    }
  } catch (...) {
    error = std::current_exception();
  }
  co_return co_await upload.conclude(error, got);
}

io::Task<PutResult> upload_buffer(LoopContext& home, std::vector<LoopContext*> loops, UploadSettings settings,
                                  SharedBytes body) {
  Upload upload(home, std::move(loops), std::move(settings));
  std::exception_ptr error;
  try {
    co_await upload.write_owned(std::move(body));
  } catch (...) {
    error = std::current_exception();
  }
  co_return co_await upload.conclude(error, 0);
}

}  // namespace raws3::s3
