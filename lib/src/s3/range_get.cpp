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
#include "s3/body_checksum.hpp"
#include "s3/executor.hpp"
#include "s3/file_body.hpp"
#include "s3/memory_limit.hpp"
#include "s3/operations.hpp"

namespace raws3::s3 {

namespace {

class Transfer;

// What one request fetches. The first asks for the whole object (checksum mode: the answer then carries
// the object's checksum) or, with ChecksumMode::Off, for its first range; a part is a partNumber GET,
// whose place in the object comes with its answer; a range is bytes [offset, end).
struct Slice {
  bool first = false;
  unsigned part_number = 0;
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> end{};  // unset until an answer tells it, for the first request and parts
};

// One slice of the object, received into the destination once its answer's head shows it is that slice
// of that version of the object, and checked against the checksum the answer states for it. It survives
// a broken connection: the retry asks for the bytes it lacks, and the checksum goes on over them.
class PartSink final : public http::BodySink {
 public:
  PartSink(Transfer& transfer, io::Loop& loop, const io::BufferPool::Lease* buffer, const Slice& slice)
      : transfer_(transfer), loop_(loop), buffer_(buffer), slice_(slice) {}

  bool begin(const http::ResponseHead& head) override;
  void expect(std::optional<std::uint64_t> length) override { inner_->expect(length); }
  std::span<std::byte> buffer() override { return pending_ = inner_->buffer(); }
  io::Task<void> commit(std::size_t n) override {
    if (checksum_) checksum_->update(pending_.first(n));
    received_ += n;
    return inner_->commit(n);
  }
  io::Task<void> finish() override;

  // The first answer, for the whole object, came without a length: it was given up (its connection closed).
  bool length_unknown() const noexcept { return length_unknown_; }
  // The first request asks for the first range instead.
  void ask_ranged() noexcept {
    length_unknown_ = false;
    ranged_ = true;
  }
  // Whether the last failure was bytes that did not match their checksum.
  bool mismatched() const noexcept { return mismatched_; }
  const Slice& slice() const noexcept { return slice_; }
  std::uint64_t received() const noexcept { return received_; }
  // What is still missing, once the slice's place is known.
  std::optional<ByteRange> missing() const noexcept {
    if (!slice_.end) return std::nullopt;
    return ByteRange{slice_.offset + received_, *slice_.end - slice_.offset - received_};
  }
  // The bytes are to be checked against `expected` (empty: recorded for the whole object's CRC).
  void check_with(ChecksumKind kind, std::string expected) {
    checksum_.emplace(kind);
    expected_ = std::move(expected);
  }
  // For a fresh fetch of the same slice, checked against what its first answer stated.
  void restart() {
    received_ = 0;
    inner_.reset();
    if (checksum_) checksum_.emplace(checksum_->kind());
    mismatched_ = false;
  }

 private:
  Transfer& transfer_;
  io::Loop& loop_;
  const io::BufferPool::Lease* buffer_;
  Slice slice_;
  std::uint64_t received_ = 0;
  std::unique_ptr<http::BodySink> inner_;
  std::span<std::byte> pending_;  // what buffer() last handed out: the bytes commit() confirms
  std::optional<RunningChecksum> checksum_;
  std::string expected_;
  bool checking_decided_ = false;  // by the slice's first answer; its retries' answers carry no checksum
  bool length_unknown_ = false;
  bool ranged_ = false;
  bool mismatched_ = false;
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
        options_(options),
        mode_(loops_.front()->endpoint().checksum_mode) {
    if (const ToFile* file = std::get_if<ToFile>(&destination_)) file_writer_.emplace(file->fd, file->path);
  }

  // The object as messages name it: "s3://bucket/key", "az://container/blob".
  std::string url() const { return std::string(loops_.front()->service().scheme()) + "://" + bucket_ + "/" + key_; }

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

  // The first answer's head: the object's size, ETag and checksum decide how it is fetched. Returns false
  // to abandon that answer (its connection is closed) when its bytes are better fetched another way.
  // ranged: the first request asked for the first range, not the whole object (ChecksumMode::Off, or a
  // server that sent the whole object without telling its length).
  bool start(const ContentRange& range, std::string etag, const http::ResponseHead& head, PartSink& first, bool ranged) {
    if (options_.first_byte) options_.first_byte();
    size_ = range.total;
    etag_ = std::move(etag);
    if (ToAllocated* allocated = std::get_if<ToAllocated>(&destination_)) {
      check_fits_in_memory(size_, url());
      const std::span<std::byte> memory = allocated->allocate(size_);
      if (memory.size() < size_) throw std::logic_error("range GET: the memory allocated is smaller than the object");
      destination_ = ToMemory{memory.first(std::size_t(size_))};
    }
    if (const ToMemory* memory = std::get_if<ToMemory>(&destination_); memory && size_ > memory->bytes.size())
      throw Error(url() + " has " + std::to_string(size_) + " bytes: more than the " +
                  std::to_string(memory->bytes.size()) + "-byte destination holds");
    bool receive = true;
    if (mode_ == ChecksumMode::Off || ranged) {
      // S3 states no checksum for a range.
      if (mode_ == ChecksumMode::Required) throw no_checksum(head);
      first_end_ = std::min(range.end, size_);
    } else {
      // The first request asked for the whole object, so the answer states the object's checksum.
      const std::optional<StatedChecksum> stated = stated_checksum(head);
      if (stated && stated->parts) {
        // A multipart object's composite checksum: every part is fetched with its own.
        part_count_ = stated->parts;
        receive = false;
      } else if (stated && (size_ <= first_length_ || !RunningChecksum::combinable(stated->kind))) {
        // One stream: a small object, or a digest that ranges cannot be combined into.
        first.check_with(stated->kind, stated->value);
      } else if (stated) {
        // Concurrent ranges, each CRC'd, combined at the end into the object's.
        whole_ = *stated;
        receive = false;
      } else {
        if (mode_ == ChecksumMode::Required) throw no_checksum(head);
        receive = size_ <= first_length_;
      }
      first_end_ = receive ? size_ : 0;
    }
    parts_ = part_count_ ? part_count_ : (size_ - first_end_ + part_size_ - 1) / part_size_;
    // By parts: one worker asks for part 1 first, and the others join once its answer shows the server
    // serves parts by number (parts_served, parts_ignored).
    launch_workers(part_count_ ? 1 : inflight_);
    return receive;
  }

  // Part 1's answer is a part: the workers that wait for it join.
  void parts_served() { launch_workers(inflight_ - 1); }

  // Part 1's answer is the whole object: the server ignores partNumber (moto). The object is fetched as
  // ranges instead, unchecked: its composite checksum is of parts that cannot be told apart. On part 1's
  // loop, whose worker reads what this sets; the workers launched here see it through their posting.
  void parts_ignored(const http::ResponseHead& head) {
    if (mode_ == ChecksumMode::Required)
      throw IntegrityError(url() + ": the server ignores partNumber, so the object's composite " +
                           "checksum cannot be checked part by part (" + checksums_present(head) +
                           "), and the checksum mode is 'required'");
    part_count_ = 0;
    parts_ = (size_ + part_size_ - 1) / part_size_;
    next_part_.store(0, std::memory_order_relaxed);
    launch_workers(inflight_ - 1);
  }

  void launch_workers(unsigned count) {
    const auto workers = unsigned(std::min<std::uint64_t>(count, parts_));
    for (unsigned w = 0; w < workers; ++w)
      launch(first_loop_ + 1 + launched_++, [](std::shared_ptr<Transfer> self, LoopContext& context) { return self->work(context); });
  }

  IntegrityError no_checksum(const http::ResponseHead& head) const {
    const std::string present = checksums_present(head);
    return IntegrityError(url() + ": the server holds no checksum this client computes for it" +
                          (present.empty() ? std::string() : " (only " + present + ")") +
                          ", and the checksum mode is 'required'");
  }

  // A part's answer states no checksum of its own although the object's is composite.
  void part_unchecked(const http::ResponseHead& head, unsigned part_number) const {
    if (mode_ == ChecksumMode::Required)
      throw IntegrityError(url() + ": part " + std::to_string(part_number) +
                           " came with no checksum" + (checksums_present(head).empty() ? "" : " this client computes") +
                           ", and the checksum mode is 'required'");
  }

  // Ranges are CRC'd for the object's full-object checksum.
  const std::optional<StatedChecksum>& whole() const noexcept { return whole_; }

  // A slice's bytes all landed (and matched its checksum, where it has one); crc: its CRC, when the
  // object's is combined from the slices'.
  void landed(std::uint64_t offset, std::uint64_t end, std::optional<std::uint64_t> crc) {
    std::uint64_t done = 0;
    {
      std::lock_guard lock(mutex_);
      slices_.emplace(offset, LandedSlice{end, crc});
      landed_ += end - offset;
      done = landed_;
      wake_.notify_all();
    }
    // The task form has no waiting thread to report from: its loops do, each with what it saw.
    if (task_form_ && options_.progress) options_.progress(done, size_);
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
    bool refetch = false;
    {
      std::lock_guard lock(mutex_);
      if (error) fail(error);
      if (--outstanding_ == 0) {
        refetch = refetch_whole();
        if (refetch)
          ++outstanding_;  // held until the workers that fetch again are launched
        else if (on_end_) {
          check_complete(0);
          on_end.swap(on_end_);
        }
      }
      wake_.notify_all();
    }
    if (refetch) {
      launch_workers(inflight_);
      ended(nullptr);
    }
    if (on_end) on_end();
  }

  // The slices that landed, in order from the object's first byte: how far they reach, and their CRCs
  // combined when the object's checksum is combined from them. With the mutex held.
  std::pair<std::uint64_t, std::uint64_t> fold_slices() const {
    std::uint64_t at = 0;
    std::uint64_t crc = 0;
    for (const auto& [offset, slice] : slices_) {
      if (offset != at) break;
      if (whole_ && slice.crc) crc = at == 0 ? *slice.crc : RunningChecksum::combine(whole_->kind, crc, *slice.crc, slice.end - offset);
      at = slice.end;
    }
    return {at, crc};
  }

  // With the mutex held, once every request has ended without error: when the ranges' bytes do not match
  // the object's checksum, which range was wrong nothing tells, so they are all fetched again, once.
  // Bytes already handed on in order cannot be taken back: those fail.
  bool refetch_whole() {
    if (error_ || !whole_ || refetched_ || size_ == 0 || std::holds_alternative<InOrder>(destination_)) return false;
    const auto [at, crc] = fold_slices();
    if (at != size_ || RunningChecksum::crc_value(whole_->kind, crc) == whole_->value) return false;
    const Logger& log = loops_.front()->endpoint().log;
    if (log.enabled(LogLevel::Warn)) log.write(LogLevel::Warn, mismatch(crc) + "; fetching it again");
    refetched_ = true;
    slices_.clear();
    landed_ = first_end_;
    next_part_.store(0, std::memory_order_relaxed);
    return true;
  }

  // With the mutex held, once every request has ended: a GET that reports success delivered every byte,
  // once, and they match the object's checksum where it was combined from the slices'.
  void check_complete(std::uint64_t delivered) {
    if (error_) return;
    const bool in_order = std::holds_alternative<InOrder>(destination_);
    const auto [at, crc] = fold_slices();
    if (at != size_ || landed_ != size_ || (in_order && delivered != size_)) {
      error_ = std::make_exception_ptr(Error(url() + ": " + std::to_string(landed_) +
                                             " bytes received, " + std::to_string(at) + " of them in order from the first, and " +
                                             std::to_string(delivered) + " delivered of " + std::to_string(size_) +
                                             ": the server's parts do not cover the object"));
    } else if (whole_ && size_ > 0 && RunningChecksum::crc_value(whole_->kind, crc) != whole_->value) {
      error_ = std::make_exception_ptr(IntegrityError(mismatch(crc)));
    }
  }

  std::string mismatch(std::uint64_t crc) const {
    return url() + " does not match its checksum: the server says " + checksum_name(whole_->kind) +
           " " + whole_->value + ", the bytes received give " + RunningChecksum::crc_value(whole_->kind, crc);
  }

  // With the mutex held. The first error wins; pieces waiting for the caller are sent back unconsumed.
  void fail(std::exception_ptr error) {
    if (error_) return;
    error_ = error;
    failed_.store(true, std::memory_order_relaxed);
    for (auto& [offset, piece] : pending_) piece.loop->post([h = piece.waiter] { h.resume(); });
    pending_.clear();
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
    head_ = co_await fetch(context, buffer.lease(), Slice{.first = true});
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
      Slice slice;
      if (part_count_) {
        slice.part_number = unsigned(part + 1);
      } else {
        slice.offset = first_end_ + part * part_size_;
        slice.end = std::min(size_, slice.offset + part_size_);
      }
      co_await fetch(context, buffer.lease(), slice);
    }
  }

  // The request's first form: the whole object in checksum mode, else its first range; a part by number.
  GetRequest request_for(const Slice& slice) const {
    if (slice.first && !slice.end)
      return mode_ == ChecksumMode::Off ? GetRequest{.range = ByteRange{0, first_length_}} : GetRequest{};
    if (slice.first) return {};
    if (slice.part_number) return {.part_number = slice.part_number};
    return {.range = ByteRange{slice.offset, *slice.end - slice.offset}};
  }

  // GETs a slice, retrying a broken transfer from the byte it reached, and once from its start when its
  // bytes do not match their checksum (bytes handed on in order cannot be taken back: those fail). Its
  // attempts are one RetryPolicy's, those the executor makes included.
  io::Task<HeadResult> fetch(LoopContext& context, const io::BufferPool::Lease* buffer, Slice slice) {
    PartSink sink(*this, context.loop(), buffer, slice);
    GetRequest request = request_for(slice);
    RetryPolicy retry(context.endpoint());
    bool refetched = false;
    auto describe = [&] {
      return describe_request("GET", bucket_, key_, {}, request.range ? range_header(*request.range) : std::string());
    };
    for (;;) {
      request.if_match = etag_;
      request.retry = &retry;
      try {
        // The call and the await apart: GCC 12 mishandles temporaries (the strings' copies) that live
        // across a suspension inside one co_await expression.
        io::Task<HeadResult> get = context.service().get_object(context, bucket_, key_, request, sink);
        HeadResult head = co_await std::move(get);
        if (!sink.length_unknown()) co_return head;
        // A whole object without its length (chunked): its first range tells the size. Not a retry.
        request.range = ByteRange{0, first_length_};
        sink.ask_ranged();
        continue;
      } catch (const IntegrityError& e) {
        if (!sink.mismatched() || refetched || std::holds_alternative<InOrder>(destination_)) throw;
        if (context.endpoint().log.enabled(LogLevel::Warn))
          context.endpoint().log.write(LogLevel::Warn, std::string(e.what()) + "; fetching them again");
        refetched = true;
        sink.restart();
        request = request_for(sink.slice());
        continue;  // not a retry of the policy's: nothing failed to arrive
      } catch (const S3Error& e) {
        // 412: If-Match failed. 416 once the size is known, or for a part: the object is now shorter than it
        // was, or has fewer parts.
        if (e.http_status() == 412 || (e.http_status() == 416 && (sink.missing() || slice.part_number))) throw changed();
        if (e.http_status() != 416 || !slice.first || !request.range) throw retry.exhausted(e);
        // An empty object has no byte 0: some servers answer the first range with 416. Ask for it whole:
        // not a retry, since nothing failed.
        request.range.reset();
        continue;
      } catch (const NetworkError& e) {
        check_cancelled(context);
        if (!retry.retry(e, describe)) throw retry.exhausted(e);
      }
      co_await context.loop().sleep(retry.pause());
      check_cancelled(context);
      // The part's own number no more: the bytes it lacks are a range of the object.
      if (std::optional<ByteRange> missing = sink.missing()) request = {.range = missing};
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
  const ChecksumMode mode_;
  std::optional<FileWriter> file_writer_;
  bool task_form_ = false;
  std::function<void()> on_end_;  // the task form's: set before the first request starts

  // Set by start().
  std::uint64_t size_ = 0;
  std::string etag_;
  std::uint64_t first_end_ = 0;
  unsigned part_count_ = 0;  // fetched by partNumber: the object's parts; 0: by ranges
  std::uint64_t parts_ = 0;
  std::optional<StatedChecksum> whole_;
  bool refetched_ = false;  // under the mutex
  std::atomic<unsigned> launched_{0};  // workers so far: each starts on the next loop
  // Set by the first request when it ends.
  HeadResult head_;

  std::atomic<std::uint64_t> next_part_{0};
  std::atomic<bool> failed_{false};

  std::mutex mutex_;
  std::condition_variable wake_;
  unsigned outstanding_ = 0;
  std::exception_ptr error_;
  std::uint64_t landed_ = 0;
  struct LandedSlice {
    std::uint64_t end;
    std::optional<std::uint64_t> crc;
  };
  std::map<std::uint64_t, LandedSlice> slices_;  // by offset
  std::map<std::uint64_t, Piece> pending_;  // by offset
};

bool PartSink::begin(const http::ResponseHead& head) {
  const std::uint64_t at = slice_.offset + received_;
  ContentRange range;
  if (const std::string* text = head.find("content-range")) {
    std::optional<ContentRange> parsed = parse_content_range(*text);
    if (!parsed) throw NetworkError("malformed Content-Range header: '" + *text + "'");
    range = *parsed;
  } else if (head.status == 200 && slice_.first && received_ == 0 && head.content_length) {
    // The whole object: an unranged request, or a server that ignores Range.
    range = {0, *head.content_length, *head.content_length};
  } else if (head.status == 200 && slice_.first && !slice_.end && !ranged_) {
    length_unknown_ = true;
    return false;
  } else if (head.status == 200 && slice_.part_number == 1 && !slice_.end && head.content_length == transfer_.size()) {
    transfer_.parts_ignored(head);
    return false;
  } else {
    // Not a NetworkError: a server that ignores Range does so on every attempt.
    throw Error("the server ignored " +
                (slice_.part_number && !slice_.end ? "partNumber=" + std::to_string(slice_.part_number)
                                                   : "Range: bytes " + std::to_string(at) + "-") +
                " of s3://" + transfer_.name() + ", answering HTTP " + std::to_string(head.status) +
                " and no Content-Range");
  }
  const std::string* etag = head.find("etag");
  if (slice_.first && !slice_.end) {
    if (!transfer_.start(range, etag ? *etag : std::string(), head, *this, ranged_)) return false;
    slice_.end = std::min(range.end, range.total);
    checking_decided_ = true;
  } else if (range.total != transfer_.size() || (etag && !transfer_.etag().empty() && *etag != transfer_.etag())) {
    // What a server that ignores If-Match shows us instead of a 412.
    throw transfer_.changed();
  } else if (!slice_.end) {
    // A part's answer: where it lies in the object.
    slice_.offset = range.first;
    slice_.end = range.end;
    if (slice_.part_number == 1) transfer_.parts_served();
  }
  // An empty object: s3rver claims "bytes 0-0/0" with a Content-Length of 1 it never sends.
  if (range.total == 0) return false;
  if (range.first != slice_.offset + received_ || range.end != *slice_.end)
    throw Error("asked for bytes " + std::to_string(slice_.offset + received_) + "-" + std::to_string(*slice_.end - 1) +
                ", the server sent " + std::to_string(range.first) + "-" + std::to_string(range.end - 1));
  if (!checking_decided_) {
    checking_decided_ = true;
    if (slice_.part_number) {
      std::optional<StatedChecksum> stated = stated_checksum(head);
      if (stated && !stated->parts)
        check_with(stated->kind, std::move(stated->value));
      else
        transfer_.part_unchecked(head, slice_.part_number);
    } else if (const std::optional<StatedChecksum>& whole = transfer_.whole()) {
      check_with(whole->kind, {});
    }
  }
  if (!inner_) inner_ = transfer_.make_sink(loop_, buffer_, slice_.offset, *slice_.end - slice_.offset);
  return true;
}

io::Task<void> PartSink::finish() {
  const std::uint64_t length = *slice_.end - slice_.offset;
  // Content-Length may promise fewer bytes than Content-Range: the rest is asked for again.
  if (received_ != length)
    throw NetworkError("the answer for bytes " + std::to_string(slice_.offset) + "-" + std::to_string(*slice_.end - 1) +
                       " of s3://" + transfer_.name() + " ended after " + std::to_string(received_) + " of them");
  std::optional<std::uint64_t> crc;
  if (checksum_ && expected_.empty()) {
    crc = checksum_->crc();
  } else if (checksum_) {
    const std::string actual = checksum_->value();
    if (actual != expected_) {
      mismatched_ = true;
      throw IntegrityError("bytes " + std::to_string(slice_.offset) + "-" + std::to_string(*slice_.end - 1) +
                           " of s3://" + transfer_.name() + " do not match their checksum: the server says " +
                           checksum_name(checksum_->kind()) + " " + expected_ + ", the bytes received give " + actual);
    }
  }
  co_await inner_->finish();
  transfer_.landed(slice_.offset, *slice_.end, crc);
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
