// Streaming uploads: sources fill a ring of part-sized chunks on the upload's home loop, and every full
// chunk leaves as an UploadPart on one of the client's loops while the next one fills.
//
// The first full part is held back until more data follows: an object of at most one part is a single
// PutObject. A multipart upload that fails in any way (a part, the source, Complete — a 200 with an
// <Error> body included, or the caller giving up) is aborted before the failure reaches the caller.
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "io/chunk_ring.hpp"
#include "io/wait_queue.hpp"
#include "raws3/client.hpp"
#include "s3/loop_context.hpp"

namespace raws3::s3 {

// S3's limits on multipart uploads (raws3::kMinPartSize is every service's smallest part here).
inline constexpr PartLimits kS3PartLimits{kMaxPartSize, 10'000};

struct PartPlan {
  std::uint64_t part_size = 0;
  bool raised = false;
};
// `wanted`, raised (to a whole MiB) when a known size would otherwise need more than the limits' parts.
// Throws ConfigError naming `what` (where wanted came from) when wanted is outside kMinPartSize to
// kMaxPartSize, and when even the largest parts cannot hold the size.
PartPlan plan_parts(std::uint64_t wanted, std::optional<std::uint64_t> size, std::string_view what,
                    PartLimits limits);

struct UploadSettings {
  std::string bucket;
  std::string key;
  PutOptions options;
  PartPlan plan;
  unsigned inflight = 8;
  std::optional<std::uint64_t> size;  // when known up front: fewer and smaller chunks for small objects
};

// Every member function runs on the home loop, and the Upload is created and destroyed there (its chunks
// are registered with that loop's ring). Parts may run on any of `loops`.
class Upload {
 public:
  Upload(LoopContext& home, std::vector<LoopContext*> loops, UploadSettings settings);
  ~Upload();
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  // Counts n bytes written into the room the last call returned (0 on the first call), sends the chunk
  // once it is full, and returns where the next bytes go: never empty. Waits while every chunk is out.
  io::Task<std::span<std::byte>> advance(std::size_t n);
  // The registered-buffer index of what advance() returned, for READ_FIXED; -1 if none.
  int room_index() const noexcept { return current_.index(); }
  // Takes a buffer over: whole parts are sent straight from it, what does not fill a part is copied.
  io::Task<void> write_owned(SharedBytes buffer);
  // As write_owned, then waits until no part reads bytes any more: a first part held back is copied into
  // a chunk, and the parts sent from bytes are awaited.
  io::Task<void> write_borrowed(std::span<const std::byte> bytes);
  // Counts n bytes as advance() does, sends what is left and completes the object. Aborts on failure
  // (and throws).
  io::Task<PutResult> finish(std::size_t n = 0);
  // Gives up: waits for parts in flight, then aborts the multipart upload if one was started. Never throws.
  io::Task<void> abort() noexcept;
  // The end of a source's run: finish(n) when it succeeded; when it failed (source_error), abort() and
  // rethrow its error.
  io::Task<PutResult> conclude(std::exception_ptr source_error, std::size_t n);

  std::uint64_t part_size() const noexcept { return settings_.plan.part_size; }

 private:
  // A part's bytes and what keeps them alive: a chunk of the ring, a buffer the caller handed over, or
  // neither (bytes lent by a caller that waits for the part: write_borrowed).
  struct Part {
    io::ChunkRing::Chunk chunk;
    std::shared_ptr<const void> owner;
    std::span<const std::byte> bytes;
    bool borrowed() const noexcept { return !chunk && !owner; }
  };
  using PartOutcome = std::variant<std::monostate, CompletedPart>;

  // The filled chunk as a part, once it is full (or unconditionally with `last`).
  io::Task<void> push_current(bool last);
  io::Task<io::ChunkRing::Chunk> acquire_chunk();
  io::Task<void> push(Part part);
  io::Task<void> send(Part part);
  io::Task<void> start();
  void part_done(int number, PartOutcome outcome, std::exception_ptr error);
  io::Task<void> drain();
  void throw_if_failed() const;
  io::Task<PutResult> complete();

  LoopContext& home_;
  std::vector<LoopContext*> loops_;
  UploadSettings settings_;
  std::optional<io::ChunkRing> ring_;  // made on first use: an empty object needs none
  io::ChunkRing::Chunk current_;   // being filled
  std::optional<Part> held_;       // the first full part, until we know whether a second follows
  std::string upload_id_;          // empty until CreateMultipartUpload
  bool aborted_ = false;
  int next_part_ = 1;
  unsigned next_loop_ = 0;
  std::map<int, Part> in_flight_;  // by part number
  std::vector<CompletedPart> completed_;
  io::WaitQueue slot_waiters_;  // for a free place among the parts in flight
  io::WaitQueue drain_waiters_;  // for no part in flight
  std::exception_ptr failure_;   // the first failure; the upload only aborts after it
  std::uint64_t pushed_ = 0;     // bytes handed to parts (or held)
  std::uint64_t acknowledged_ = 0;
};

// Uploads fd from its current position to its end (a pipe), or [0, *size) of it (a regular file),
// reading into the chunks with READ_FIXED. Does not close fd.
io::Task<PutResult> upload_fd(LoopContext& home, std::vector<LoopContext*> loops, UploadSettings settings, int fd,
                              std::optional<std::uint64_t> size, std::string name_for_errors);

// An upload of body, its whole parts sliced from it without a copy (Upload::write_owned).
io::Task<PutResult> upload_buffer(LoopContext& home, std::vector<LoopContext*> loops, UploadSettings settings,
                                  SharedBytes body);

}  // namespace raws3::s3
