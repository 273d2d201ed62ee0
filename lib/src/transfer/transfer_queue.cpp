#include "raws3/transfer.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "auth/timestamp.hpp"
#include "io/temporary_file.hpp"
#include "s3/multipart_put.hpp"

namespace raws3 {

namespace {

// One transfer's acknowledged bytes as the library reports them: cumulative, from several loops, out of
// order. Only growth is passed on, so the queue's progress counts every byte once.
class Acknowledged {
 public:
  explicit Acknowledged(const std::function<void(std::uint64_t)>& progress) : progress_(progress) {}

  void reach(std::uint64_t done) noexcept {
    if (!progress_) return;
    std::uint64_t seen = seen_.load(std::memory_order_relaxed);
    while (done > seen) {
      if (seen_.compare_exchange_weak(seen, done, std::memory_order_relaxed)) {
        progress_(done - seen);
        return;
      }
    }
  }

 private:
  const std::function<void(std::uint64_t)>& progress_;
  std::atomic<std::uint64_t> seen_{0};
};

// A download's mtime: the object's Last-Modified, from the listing (ISO 8601) or the GET (an HTTP date).
void set_mtime(const std::string& path, const std::string& listed, const std::string& answered) {
  std::optional<std::chrono::system_clock::time_point> at = auth::parse_iso8601(listed);
  if (!at) at = auth::parse_http_date(answered);
  if (!at) return;
  const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(at->time_since_epoch()).count();
  const timespec when{static_cast<time_t>(since_epoch / 1'000'000'000), static_cast<long>(since_epoch % 1'000'000'000)};
  const timespec times[2] = {when, when};
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0)
    throw FileError("cannot set the modification time of '" + path + "': " + std::strerror(errno));
}

}  // namespace

TransferQueue::TransferQueue(Client& client, TransferOptions options, TransferReport report)
    : client_(client), options_(std::move(options)), report_(std::move(report)) {
  if (!options_.concurrency) options_.concurrency = std::max(1u, client.tuning().transfers);
  if (!options_.memory_budget) options_.memory_budget = client.tuning().transfer_memory;
  options_.put.progress = nullptr;
}

TransferQueue::~TransferQueue() { wait(); }

// What an upload holds while it runs: its chunk ring (a known size needs no more, nor larger, chunks than
// its parts). Downloads land in the loops' shared file buffers and copies stay on the server: no more.
std::uint64_t TransferQueue::cost_of(const TransferItem& item) const noexcept {
  if (item.source.is_object()) return 0;
  const Tuning& tuning = client_.tuning();
  std::uint64_t part = 0;
  try {
    // S3's limits raise the parts soonest: an estimate that holds for every service.
    part = s3::plan_parts(options_.put.part_size ? options_.put.part_size : tuning.put_part_size, item.size,
                          "the part size", s3::kS3PartLimits)
               .part_size;
  } catch (const Error&) {
    return item.size;  // a part size the upload will refuse, saying why; until then, count the whole file
  }
  if (item.size <= part) return item.size;
  return std::min<std::uint64_t>((item.size + part - 1) / part, tuning.put_inflight + 1) * part;
}

void TransferQueue::add(TransferItem item) {
  if (!item.source.is_object() && !item.destination.is_object())
    throw Error("TransferQueue: '" + item.source.path + "' to '" + item.destination.path +
                "' has no object at either end");
  const std::uint64_t cost = cost_of(item);
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] {
      return running_ == 0 || (running_ < options_.concurrency && memory_held_ + cost <= options_.memory_budget);
    });
    ++running_;
    memory_held_ += cost;
  }
  start(std::move(item), cost);
}

void TransferQueue::wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return running_ == 0; });
}

void TransferQueue::start(TransferItem item, std::uint64_t cost) {
  struct Running {
    Running(TransferItem i, std::uint64_t c, const std::function<void(std::uint64_t)>& progress)
        : item(std::move(i)), cost(c), acknowledged(progress) {}
    TransferItem item;
    std::uint64_t cost;
    Acknowledged acknowledged;
  };
  auto running = std::make_shared<Running>(std::move(item), cost, options_.progress);
  const TransferItem& it = running->item;
  auto report_bytes = [running](std::uint64_t done, std::uint64_t) { running->acknowledged.reach(done); };
  try {
    if (it.source.is_object() && it.destination.is_object()) {
      CopyOptions copy = options_.copy;
      copy.source_size = it.size;
      client_.copy_object(it.source.bucket, it.source.key, it.destination.bucket, it.destination.key, std::move(copy),
                          [this, running](std::exception_ptr error, std::string etag) {
                            if (!error) running->acknowledged.reach(running->item.size);
                            ended(running->item, running->cost, error, {running->item.size, std::move(etag)});
                          });
    } else if (it.source.is_object()) {
      io::create_parent_directories(it.destination.path);
      client_.get_to_file(it.source.bucket, it.source.key, it.destination.path, GetOptions{.progress = report_bytes},
                          [this, running](std::exception_ptr error, HeadResult head) {
                            const TransferItem& done = running->item;
                            if (!error) {
                              try {
                                set_mtime(done.destination.path, done.last_modified, head.last_modified);
                              } catch (...) {
                                error = std::current_exception();
                              }
                            }
                            ended(done, running->cost, error, {head.size, std::move(head.etag)});
                          });
    } else {
      PutOptions put = options_.put;
      put.progress = report_bytes;
      if (put.content_type.empty() && options_.guess_content_type) put.content_type = guess_content_type(it.source.path);
      client_.upload_file(it.destination.bucket, it.destination.key, it.source.path, std::move(put),
                          [this, running](std::exception_ptr error, PutResult result) {
                            ended(running->item, running->cost, error, {result.size, std::move(result.etag)});
                          });
    }
  } catch (...) {
    ended(it, cost, std::current_exception(), {});
  }
}

void TransferQueue::ended(const TransferItem& item, std::uint64_t cost, std::exception_ptr error,
                          const TransferResult& result) {
  report_(item, error, result);
  std::lock_guard lock(mutex_);
  --running_;
  memory_held_ -= cost;
  // Under the lock: once wait() can see the count, this object may be gone.
  changed_.notify_all();
}

}  // namespace raws3
