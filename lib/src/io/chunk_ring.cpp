#include "io/chunk_ring.hpp"

namespace raws3::io {

void ChunkRing::Chunk::reset() noexcept {
  if (!ring_) return;
  std::exchange(ring_, nullptr)->release(*pool_, lease_);
  filled_ = 0;
}

Task<ChunkRing::Chunk> ChunkRing::acquire() {
  for (;;) {
    if (chunks_.size() < count_) {
      chunks_.push_back(std::make_unique<BufferPool>(loop_, chunk_size_, 1));
      free_.push_back(chunks_.back().get());
    }
    if (!free_.empty()) break;
    co_await waiters_.wait();
  }
  BufferPool& pool = *free_.back();
  free_.pop_back();
  // The pool's one buffer is free: this does not wait.
  BufferPool::Lease lease = co_await pool.acquire();
  co_return Chunk(*this, pool, lease);
}

void ChunkRing::release(BufferPool& pool, const BufferPool::Lease& lease) noexcept {
  pool.release(lease);
  free_.push_back(&pool);
  waiters_.wake_one();
}

}  // namespace raws3::io
