// The chunks a streaming upload fills and sends as parts: a fixed number of part-sized buffers,
// registered with the loop's ring so that file and pipe reads land in them with READ_FIXED.
//
// A chunk is held by whoever owns its Chunk handle: the source filling it, then the part sending it.
// It returns to the ring when the handle dies, so it cannot be refilled before its part's response
// arrived (and a zero-copy send's buffer release has been notified: the send resumes only after that).
// Memory stays count × chunk size, whatever the object's size.
//
// Each acquire makes a new chunk until there are count of them, even when one is free: what a stream
// holds then depends on how many chunks it has used, never on how fast they came back, so an object of
// n chunks costs min(n, count) chunks, and every larger one the same count (not more for a longer one
// that happened to meet a slow moment).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "io/buffer_pool.hpp"
#include "io/wait_queue.hpp"

namespace raws3::io {

class ChunkRing {
 public:
  // A chunk on loan, and how much of it is filled. Destroy it on the ring's loop thread.
  class Chunk {
   public:
    Chunk() = default;
    Chunk(Chunk&& other) noexcept
        : ring_(std::exchange(other.ring_, nullptr)),
          pool_(other.pool_),
          lease_(other.lease_),
          filled_(other.filled_) {}
    Chunk& operator=(Chunk&& other) noexcept {
      if (this != &other) {
        reset();
        ring_ = std::exchange(other.ring_, nullptr);
        pool_ = other.pool_;
        lease_ = other.lease_;
        filled_ = other.filled_;
      }
      return *this;
    }
    Chunk(const Chunk&) = delete;
    Chunk& operator=(const Chunk&) = delete;
    ~Chunk() { reset(); }

    explicit operator bool() const noexcept { return ring_ != nullptr; }
    std::span<std::byte> room() const noexcept { return lease_.bytes.subspan(filled_); }
    std::span<const std::byte> data() const noexcept { return lease_.bytes.first(filled_); }
    std::size_t filled() const noexcept { return filled_; }
    bool full() const noexcept { return filled_ == lease_.bytes.size(); }
    void commit(std::size_t n) noexcept { filled_ += n; }
    // For READ_FIXED: the registered-buffer index, -1 when the kernel refused to register the chunk.
    int index() const noexcept { return lease_.index; }
    // Back to the ring now (no-op for an empty handle).
    void reset() noexcept;

   private:
    friend class ChunkRing;
    Chunk(ChunkRing& ring, BufferPool& pool, BufferPool::Lease lease) noexcept
        : ring_(&ring), pool_(&pool), lease_(lease) {}
    ChunkRing* ring_ = nullptr;
    BufferPool* pool_ = nullptr;
    BufferPool::Lease lease_;
    std::size_t filled_ = 0;
  };

  // Up to `count` chunks, each mapped and registered when first acquired: a small object from a pipe
  // costs one chunk, not count.
  ChunkRing(Loop& loop, std::size_t chunk_size, unsigned count)
      : loop_(loop), chunk_size_(chunk_size), count_(count) {}

  // An empty chunk, waiting while every chunk is out.
  Task<Chunk> acquire();

  std::size_t chunk_size() const noexcept { return chunk_size_; }
  // Chunks free or not made yet.
  std::size_t available() const noexcept { return free_.size() + (count_ - chunks_.size()); }
  // Chunks mapped so far.
  std::size_t mapped() const noexcept { return chunks_.size(); }

 private:
  void release(BufferPool& pool, const BufferPool::Lease& lease) noexcept;

  Loop& loop_;
  std::size_t chunk_size_;
  unsigned count_;
  std::vector<std::unique_ptr<BufferPool>> chunks_;  // a pool of one buffer per chunk
  std::vector<BufferPool*> free_;
  WaitQueue waiters_;
};

}  // namespace raws3::io
