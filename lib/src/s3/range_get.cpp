#include "s3/range_get.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "http/connection.hpp"
#include "io/buffer_pool.hpp"
#include "raws3/error.hpp"
#include "s3/attempt_trace.hpp"
#include "s3/executor.hpp"
#include "s3/file_body.hpp"
#include "s3/memory_limit.hpp"
#include "s3/operations.hpp"

namespace raws3::s3 {

namespace {

class Transfer;

// One range of the object, received into the destination once its answer's head shows it is that range of
// that version of the object. It survives a broken connection: the retry asks for the bytes it lacks.
class PartSink final : public http::BodySink {
 public:
  // end unset: the first request, which learns it.
  PartSink(Transfer& transfer, io::Loop& loop, const io::BufferPool::Lease* buffer, std::uint64_t offset,
           std::optional<std::uint64_t> end)
      : transfer_(transfer), loop_(loop), buffer_(buffer), offset_(offset), end_(end) {}

  bool begin(const http::ResponseHead& head) override;
  void expect(std::optional<std::uint64_t> length) override { inner_->expect(length); }
  std::span<std::byte> buffer() override { return inner_->buffer(); }
  io::Task<void> commit(std::size_t n) override {
    received_ += n;
    return inner_->commit(n);
  }
  io::Task<void> finish() override { return inner_->finish(); }

  std::uint64_t received() const noexcept { return received_; }
  // What is still missing, once the range is known.
  std::optional<ByteRange> missing() const noexcept {
    if (!end_) return std::nullopt;
    return ByteRange{offset_ + received_, *end_ - offset_ - received_};
  }

 private:
  Transfer& transfer_;
  io::Loop& loop_;
  const io::BufferPool::Lease* buffer_;
  std::uint64_t offset_;
  std::optional<std::uint64_t> end_;
  std::uint64_t received_ = 0;
  std::unique_ptr<http::BodySink> inner_;
};

// How much a buffered destination takes at a time when it need not hold a whole part: the size of a
// loop's file buffers.
constexpr std::uint64_t kPiece = LoopContext::kFileBufferSize;

// What a request's body passes through on its way to a buffered destination. A file's pieces go through
// one of the loop's registered buffers, shared by every GET on the loop: WRITE_FIXED wants them
// registered, and registering per GET is dear (measured: mapping, pinning and unregistering a fresh MiB
// cost more than a whole GET of 64 KiB). An in-order consumer reads plain memory, which needs no
// registration.
class BodyBuffer {
 public:
  BodyBuffer() = default;
  BodyBuffer(const BodyBuffer&) = delete;
  BodyBuffer& operator=(const BodyBuffer&) = delete;
  ~BodyBuffer() {
    if (pool_) pool_->release(lease_);
  }

  io::Task<void> take_registered(io::BufferPool& pool) {
    lease_ = co_await pool.acquire();
    pool_ = &pool;
  }
  void take_memory(std::size_t size) {
    memory_ = std::make_unique_for_overwrite<std::byte[]>(size);
    lease_ = {{memory_.get(), size}, -1};
  }
  // Empty for destinations that are not buffered.
  const io::BufferPool::Lease* lease() const noexcept { return &lease_; }

 private:
  io::BufferPool* pool_ = nullptr;
  std::unique_ptr<std::byte[]> memory_;
  io::BufferPool::Lease lease_;
};

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// One GET, shared by the caller's thread and the loops' coroutines. What start() sets is written once,
// on the first request's loop, before any worker exists (posting a worker publishes it); the rest is
// under the mutex, taken once per part or piece, never per byte.
class Transfer final : public PieceWriter, public std::enable_shared_from_this<Transfer> {
 public:
  Transfer(std::span<LoopContext* const> loops, unsigned first, const Tuning& tuning, std::string bucket,
           std::string key, Destination destination, const GetOptions& options)
      : loops_(loops.begin(), loops.end()),
        first_loop_(first % unsigned(loops.size())),
        part_size_(std::max<std::uint64_t>(1, tuning.get_part_size)),
        first_length_(std::max(part_size_, tuning.get_threshold)),
        inflight_(std::max(1u, tuning.get_inflight)),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        destination_(std::move(destination)),
        options_(options) {
    if (const ToFile* file = std::get_if<ToFile>(&destination_)) file_writer_.emplace(file->fd, file->path);
  }

  HeadResult run() {
    launch_first();
    wait();
    if (error_) std::rethrow_exception(error_);
    return head_;
  }

  // The task form: progress is reported from the loops, and Ended is awaited instead of run().
  void use_task_form() noexcept { task_form_ = true; }

  // The task form's wait: the awaiting coroutine resumes on its own loop once every request has ended.
  struct Ended {
    Transfer& transfer;
    io::Loop& loop;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      transfer.on_end_ = [h, &loop = loop] { loop.post([h] { h.resume(); }); };
      transfer.launch_first();
    }
    HeadResult await_resume() {
      if (transfer.error_) std::rethrow_exception(transfer.error_);
      return transfer.head_;
    }
  };

  // The size and ETag the first answer announced: plan the rest and set the workers going.
  void start(std::uint64_t size, std::string etag, std::uint64_t first_end) {
    if (options_.first_byte) options_.first_byte();
    size_ = size;
    etag_ = std::move(etag);
    first_end_ = std::min(first_end, size);
    if (ToAllocated* allocated = std::get_if<ToAllocated>(&destination_)) {
      check_fits_in_memory(size, bucket_, key_);
      const std::span<std::byte> memory = allocated->allocate(size);
      if (memory.size() < size) throw std::logic_error("range GET: the memory allocated is smaller than the object");
      destination_ = ToMemory{memory.first(std::size_t(size))};
    }
    if (const ToMemory* memory = std::get_if<ToMemory>(&destination_); memory && size > memory->bytes.size())
      throw Error("s3://" + bucket_ + "/" + key_ + " has " + std::to_string(size) + " bytes: more than the " +
                  std::to_string(memory->bytes.size()) + "-byte destination holds");
    parts_ = (size - first_end_ + part_size_ - 1) / part_size_;
    const auto workers = unsigned(std::min<std::uint64_t>(inflight_, parts_));
    for (unsigned w = 0; w < workers; ++w)
      launch(first_loop_ + 1 + w, [](std::shared_ptr<Transfer> self, LoopContext& context) { return self->work(context); });
  }

  std::uint64_t size() const noexcept { return size_; }
  std::string name() const { return bucket_ + "/" + key_; }
  const std::string& etag() const noexcept { return etag_; }

  S3Error changed() const {
    return S3Error(412, "PreconditionFailed",
                   "object changed during download: s3://" + bucket_ + "/" + key_ + " is no longer the version with ETag " +
                       etag_);
  }

  // Where the object's bytes [offset, offset + length) land on this loop.
  std::unique_ptr<http::BodySink> make_sink(io::Loop& loop, const io::BufferPool::Lease* buffer, std::uint64_t offset,
                                            std::uint64_t length) {
    return std::visit(
        Overloaded{
            [&](ToMemory& m) -> std::unique_ptr<http::BodySink> {
              return std::make_unique<http::SpanSink>(m.bytes.subspan(std::size_t(offset), std::size_t(length)));
            },
            [](ToAllocated&) -> std::unique_ptr<http::BodySink> {
              throw std::logic_error("range GET: a part planned before its memory was allocated");
            },
            [&](ToFile&) -> std::unique_ptr<http::BodySink> {
              return std::make_unique<BufferedSink>(loop, *buffer, *file_writer_, offset);
            },
            [&](InOrder&) -> std::unique_ptr<http::BodySink> {
              return std::make_unique<BufferedSink>(loop, *buffer, *this, offset);
            },
            [](Discard&) -> std::unique_ptr<http::BodySink> { return std::make_unique_for_overwrite<http::DiscardSink>(); }},
        destination_);
  }

  // In-order destinations: the piece waits here until the caller's thread has consumed it.
  io::Task<void> write(io::Loop& loop, std::uint64_t offset, std::span<const std::byte> bytes, int) override {
    co_await Handoff{*this, loop, offset, bytes};
    if (failed_.load(std::memory_order_relaxed)) throw Error("GET abandoned");  // the first error is reported
  }

 private:
  struct Piece {
    std::span<const std::byte> bytes;
    std::coroutine_handle<> waiter;
    io::Loop* loop;
  };

  struct Handoff {
    Transfer& transfer;
    io::Loop& loop;
    std::uint64_t offset;
    std::span<const std::byte> bytes;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
      std::lock_guard lock(transfer.mutex_);
      if (transfer.error_) return false;
      transfer.pending_.emplace(offset, Piece{bytes, h, &loop});
      transfer.wake_.notify_all();
      return true;
    }
    void await_resume() const noexcept {}
  };

  void launch_first() {
    launch(first_loop_, [](std::shared_ptr<Transfer> self, LoopContext& context) { return self->first_part(context); });
  }

  template <class Make>
  void launch(unsigned loop_index, Make make) {
    LoopContext& context = *loops_[loop_index % loops_.size()];
    {
      std::lock_guard lock(mutex_);
      ++outstanding_;
    }
    context.loop().post([self = shared_from_this(), make, &context] {
      io::spawn(make(self, context), [self](std::exception_ptr error) { self->ended(error); });
    });
  }

  void ended(std::exception_ptr error) {
    std::function<void()> on_end;
    {
      std::lock_guard lock(mutex_);
      if (error) fail(error);
      if (--outstanding_ == 0 && on_end_) {
        check_complete(0);
        on_end.swap(on_end_);
      }
      wake_.notify_all();
    }
    if (on_end) on_end();
  }

  // With the mutex held, once every request has ended: a GET that reports success delivered every byte.
  void check_complete(std::uint64_t delivered) {
    const bool in_order = std::holds_alternative<InOrder>(destination_);
    if (!error_ && (landed_ != size_ || (in_order && delivered != size_)))
      error_ = std::make_exception_ptr(Error("internal error: " + std::to_string(landed_) + " bytes received and " +
                                             std::to_string(delivered) + " delivered of " + std::to_string(size_)));
  }

  // With the mutex held. The first error wins; pieces waiting for the caller are sent back unconsumed.
  void fail(std::exception_ptr error) {
    if (error_) return;
    error_ = error;
    failed_.store(true, std::memory_order_relaxed);
    for (auto& [offset, piece] : pending_) piece.loop->post([h = piece.waiter] { h.resume(); });
    pending_.clear();
  }

  void landed(std::uint64_t n) {
    std::uint64_t done = 0;
    {
      std::lock_guard lock(mutex_);
      landed_ += n;
      done = landed_;
      wake_.notify_all();
    }
    // The task form has no waiting thread to report from: its loops do, each with what it saw.
    if (task_form_ && options_.progress) options_.progress(done, size_);
  }

  // Sets buffer up for pieces of up to `size` bytes, when the destination is a buffered one.
  io::Task<void> prepare(LoopContext& context, BodyBuffer& buffer, std::uint64_t size) {
    if (std::holds_alternative<ToFile>(destination_))
      co_await buffer.take_registered(context.file_buffers());
    else if (std::holds_alternative<InOrder>(destination_))
      buffer.take_memory(std::size_t(size));
  }

  io::Task<void> first_part(LoopContext& context) {
    BodyBuffer buffer;
    co_await prepare(context, buffer, kPiece);
    head_ = co_await fetch(context, buffer.lease(), 0, std::nullopt);
    landed(first_end_);
  }

  // A worker: one part after another until none is left, each received into this worker's own buffer.
  io::Task<void> work(LoopContext& context) {
    // A file takes each piece as it fills, while it is still in the cache: measured faster than whole
    // parts. In order, a part waits whole for its turn.
    BodyBuffer buffer;
    co_await prepare(context, buffer, part_size_);
    for (;;) {
      if (failed_.load(std::memory_order_relaxed)) co_return;
      const std::uint64_t part = next_part_.fetch_add(1, std::memory_order_relaxed);
      if (part >= parts_) co_return;
      const std::uint64_t offset = first_end_ + part * part_size_;
      const std::uint64_t end = std::min(size_, offset + part_size_);
      co_await fetch(context, buffer.lease(), offset, end);
      landed(end - offset);
    }
  }

  // GETs [offset, end) (the first request: end unset), retrying a broken transfer from the byte it reached.
  // Its attempts are one RetryPolicy's, those the executor makes included.
  io::Task<HeadResult> fetch(LoopContext& context, const io::BufferPool::Lease* buffer, std::uint64_t offset,
                             std::optional<std::uint64_t> end) {
    PartSink sink(*this, context.loop(), buffer, offset, end);
    std::optional<ByteRange> range = ByteRange{offset, end ? *end - offset : first_length_};
    RetryPolicy retry(context.endpoint());
    auto describe = [&] {
      return describe_request("GET", bucket_, key_, {}, range ? range_header(*range) : std::string());
    };
    for (;;) {
      try {
        // The call and the await apart: GCC 12 mishandles temporaries (the strings' copies) that live
        // across a suspension inside one co_await expression.
        io::Task<HeadResult> request = get_object(context, bucket_, key_, range, sink, etag_, &retry);
        HeadResult head = co_await std::move(request);
        co_return head;
      } catch (const S3Error& e) {
        // 412: If-Match failed. 416 once the size is known: the object is now shorter than it was.
        const bool size_known = sink.missing().has_value();
        if (e.http_status() == 412 || (e.http_status() == 416 && size_known)) throw changed();
        if (e.http_status() != 416 || !range) throw retry.exhausted(e);
        // An empty object has no byte 0: some servers answer the first range with 416. Ask for it whole:
        // not a retry, since nothing failed.
        range.reset();
        continue;
      } catch (const NetworkError& e) {
        check_cancelled(context);
        if (!retry.retry(e, describe)) throw retry.exhausted(e);
      }
      co_await context.loop().sleep(retry.pause());
      check_cancelled(context);
      if (std::optional<ByteRange> missing = sink.missing()) range = missing;
    }
  }

  // The caller's thread: consumes in-order pieces and reports progress until every coroutine has ended.
  void wait() {
    InOrder* in_order = std::get_if<InOrder>(&destination_);
    std::uint64_t delivered = 0;
    std::uint64_t reported = 0;
    std::unique_lock lock(mutex_);
    auto outside_lock = [&](auto&& fn) {
      lock.unlock();
      std::exception_ptr error;
      try {
        fn();
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      if (error) fail(error);
    };
    for (;;) {
      wake_.wait(lock, [&] {
        return outstanding_ == 0 || (landed_ != reported && !error_) || pending_.contains(delivered);
      });
      for (auto it = pending_.find(delivered); it != pending_.end(); it = pending_.find(delivered)) {
        const Piece piece = it->second;
        pending_.erase(it);
        outside_lock([&] { in_order->consume(piece.bytes); });
        piece.loop->post([h = piece.waiter] { h.resume(); });
        delivered += piece.bytes.size();
      }
      if (landed_ != reported && !error_) {
        reported = landed_;
        if (options_.progress) outside_lock([&, done = reported] { options_.progress(done, size_); });
        continue;  // more may have happened meanwhile
      }
      if (outstanding_ == 0) break;
    }
    check_complete(delivered);
  }

  const std::vector<LoopContext*> loops_;
  const unsigned first_loop_;
  const std::uint64_t part_size_;
  const std::uint64_t first_length_;
  const unsigned inflight_;
  const std::string bucket_;
  const std::string key_;
  Destination destination_;
  const GetOptions& options_;
  std::optional<FileWriter> file_writer_;
  bool task_form_ = false;
  std::function<void()> on_end_;  // the task form's: set before the first request starts

  // Set by start().
  std::uint64_t size_ = 0;
  std::string etag_;
  std::uint64_t first_end_ = 0;
  std::uint64_t parts_ = 0;
  // Set by the first request when it ends.
  HeadResult head_;

  std::atomic<std::uint64_t> next_part_{0};
  std::atomic<bool> failed_{false};

  std::mutex mutex_;
  std::condition_variable wake_;
  unsigned outstanding_ = 0;
  std::exception_ptr error_;
  std::uint64_t landed_ = 0;
  std::map<std::uint64_t, Piece> pending_;  // by offset
};

bool PartSink::begin(const http::ResponseHead& head) {
  const std::uint64_t at = offset_ + received_;
  ContentRange range;
  if (const std::string* text = head.find("content-range")) {
    std::optional<ContentRange> parsed = parse_content_range(*text);
    if (!parsed) throw NetworkError("malformed Content-Range header: '" + *text + "'");
    range = *parsed;
  } else if (head.status == 200 && at == 0 && !end_ && head.content_length) {
    // The whole object: an unranged request, or a server that ignores Range.
    range = {0, *head.content_length, *head.content_length};
  } else {
    // Not a NetworkError: a server that ignores Range does so on every attempt.
    throw Error("the server ignored Range: bytes " + std::to_string(at) + "- of s3://" + transfer_.name() +
                " were answered with HTTP " + std::to_string(head.status) + " and no Content-Range");
  }
  const std::string* etag = head.find("etag");
  if (!end_) {
    end_ = std::min(range.end, range.total);
    transfer_.start(range.total, etag ? *etag : std::string(), *end_);
  } else if (range.total != transfer_.size() || (etag && !transfer_.etag().empty() && *etag != transfer_.etag())) {
    // What a server that ignores If-Match shows us instead of a 412.
    throw transfer_.changed();
  }
  // An empty object: s3rver claims "bytes 0-0/0" with a Content-Length of 1 it never sends.
  if (range.total == 0) return false;
  if (range.first != at || range.end != *end_)
    throw Error("asked for bytes " + std::to_string(at) + "-" + std::to_string(*end_ - 1) +
                ", the server sent " + std::to_string(range.first) + "-" + std::to_string(range.end - 1));
  if (!inner_) inner_ = transfer_.make_sink(loop_, buffer_, offset_, *end_ - offset_);
  return true;
}

}  // namespace

HeadResult range_get(std::span<LoopContext* const> loops, unsigned first, const Tuning& tuning, std::string bucket,
                     std::string key, Destination destination, const GetOptions& options) {
  auto transfer = std::make_shared<Transfer>(loops, first, tuning, std::move(bucket), std::move(key),
                                             std::move(destination), options);
  return transfer->run();
}

io::Task<HeadResult> range_get_task(LoopContext& home, std::vector<LoopContext*> loops, unsigned first, Tuning tuning,
                                    std::string bucket, std::string key, Destination destination, GetOptions options) {
  if (std::holds_alternative<InOrder>(destination))
    throw std::logic_error("range GET: the task form has no thread to consume an in-order body");
  auto transfer = std::make_shared<Transfer>(loops, first, tuning, std::move(bucket), std::move(key),
                                             std::move(destination), options);
  transfer->use_task_form();
  co_return co_await Transfer::Ended{*transfer, home.loop()};
}

}  // namespace raws3::s3
