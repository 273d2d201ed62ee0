// A loop's pool of equal-sized buffers carved from one mapping and registered with its ring, so that
// file reads and writes into them are READ_FIXED / WRITE_FIXED (no per-operation page pinning).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "io/loop.hpp"
#include "io/task.hpp"
#include "io/wait_queue.hpp"

namespace raws3::io {

class BufferPool {
 public:
  struct Lease {
    std::span<std::byte> bytes;
    int index = -1;  // the registered-buffer index, -1 when the kernel refused registration
  };

  // Maps count × buffer_size bytes at once; registration failing (memlock limits) is not an error,
  // the buffers then serve unregistered.
  BufferPool(Loop& loop, std::size_t buffer_size, unsigned count);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A free buffer, waiting for one to come back when all are out.
  Task<Lease> acquire();
  void release(const Lease& lease);

  bool registered() const noexcept { return first_slot_ >= 0; }
  std::size_t buffer_size() const noexcept { return buffer_size_; }
  std::size_t available() const noexcept { return free_.size(); }

 private:
  Loop& loop_;
  std::byte* base_ = nullptr;
  std::size_t buffer_size_;
  unsigned count_;
  int first_slot_ = -1;  // this pool's first slot in the loop's registered-buffer table, -1 if none
  std::vector<int> free_;
  WaitQueue waiters_;
};

}  // namespace raws3::io
