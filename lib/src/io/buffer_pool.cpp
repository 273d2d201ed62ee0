#include "io/buffer_pool.hpp"

#include <sys/mman.h>

#include <cstring>
#include <string>

#include "raws3/error.hpp"

namespace raws3::io {

BufferPool::BufferPool(Loop& loop, std::size_t buffer_size, unsigned count)
    : loop_(loop), buffer_size_(buffer_size), count_(count) {
  void* mem = ::mmap(nullptr, buffer_size * count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    throw Error("cannot map " + std::to_string(buffer_size * count) + " bytes of buffers: " +
                std::strerror(errno));
  base_ = static_cast<std::byte*>(mem);
  // Registered memory is pinned: a forked child gets none of it rather than copy-on-write pages the
  // parent's ring still writes into.
  ::madvise(mem, buffer_size * count, MADV_DONTFORK);
  std::vector<iovec> iov(count);
  for (unsigned i = 0; i < count; ++i) {
    iov[i] = {base_ + std::size_t(i) * buffer_size, buffer_size};
    free_.push_back(int(count - 1 - i));
  }
  if (loop.features().read_write_fixed) first_slot_ = loop.register_buffers(iov).value_or(-1);
}

BufferPool::~BufferPool() {
  if (first_slot_ >= 0) loop_.unregister_buffers(first_slot_, count_);
  ::munmap(base_, buffer_size_ * count_);
}

Task<BufferPool::Lease> BufferPool::acquire() {
  while (free_.empty()) co_await waiters_.wait();
  int i = free_.back();
  free_.pop_back();
  co_return Lease{{base_ + std::size_t(i) * buffer_size_, buffer_size_}, first_slot_ >= 0 ? first_slot_ + i : -1};
}

void BufferPool::release(const Lease& lease) {
  free_.push_back(int((lease.bytes.data() - base_) / std::ptrdiff_t(buffer_size_)));
  waiters_.wake_one();
}

}  // namespace raws3::io
