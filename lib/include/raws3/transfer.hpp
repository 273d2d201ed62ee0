// Many transfers at once over one Client: what a recursive copy, a sync or a batch file runs through.
//
//   raws3::TransferQueue queue(client, {}, [](const raws3::TransferItem& item, std::exception_ptr error,
//                                             const raws3::TransferResult& result) { ... });
//   for (each file a walk or listing yields) queue.add({raws3::Place::file(path), raws3::Place::object(b, k), size});
//   queue.wait();
//
// Every transfer runs through the client's callback forms on its loops: no thread per transfer. add()
// blocks while the window is full, so a walk or a listing feeding it runs exactly as fast as transfers
// end and memory stays bounded whatever the number of objects. Design notes: lib/src/transfer/README.md.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "raws3/client.hpp"
#include "raws3/export.hpp"

namespace raws3 {

// One end of a transfer: an object (bucket set) or a local file.
struct Place {
  std::string bucket{};
  std::string key{};
  std::string path{};

  static Place object(std::string bucket, std::string key) { return {std::move(bucket), std::move(key), {}}; }
  static Place file(std::string path) { return {{}, {}, std::move(path)}; }
  bool is_object() const noexcept { return !bucket.empty(); }
};

// An upload, a download or a server-side copy: at least one end is an object.
struct TransferItem {
  Place source;
  Place destination;
  std::uint64_t size = 0;  // as the walk or listing saw it: what the memory budget counts
  // Downloads: the object's Last-Modified, which the file's mtime is set to (awscli's rule, so that a
  // later sync sees the file as current). Empty: the time of the download.
  std::string last_modified{};
};

struct TransferResult {
  std::uint64_t size = 0;
  std::string etag{};
};

struct TransferOptions {
  // Transfers in flight at once; 0: Tuning::transfers (RAWS3_TRANSFERS).
  unsigned concurrency = 0;
  // Bytes of part buffers that the uploads in flight may hold together; 0: Tuning::transfer_memory
  // (RAWS3_TRANSFER_MEMORY). One transfer larger than the budget still runs, alone.
  std::uint64_t memory_budget = 0;
  // Of every upload (content type, metadata, checksum, part size); its progress is unused.
  PutOptions put{};
  // An upload without a content type gets the one its file name suggests (guess_content_type), as awscli does.
  bool guess_content_type = false;
  // Of every server-side copy; each item's size is its source_size.
  CopyOptions copy{};
  // Bytes acknowledged (a part sent, a part landed), as they happen, on the client's loop threads: keep it
  // short, thread-safe and non-throwing.
  std::function<void(std::uint64_t bytes)> progress{};
};

// Why each transfer ended, once per item, on a loop thread.
// error is null on success. Keep it short and non-throwing: the loop waits for it.
using TransferReport = std::function<void(const TransferItem& item, std::exception_ptr error, const TransferResult& result)>;

// The media type a file name's extension suggests ("index.html": "text/html"; a table of the common ones,
// case-insensitive), or empty when it suggests none.
RAWS3_API std::string guess_content_type(std::string_view name);

class RAWS3_API TransferQueue {
 public:
  // client must outlive the queue.
  TransferQueue(Client& client, TransferOptions options, TransferReport report);
  // Waits for every transfer added.
  ~TransferQueue();
  TransferQueue(const TransferQueue&) = delete;
  TransferQueue& operator=(const TransferQueue&) = delete;

  // Starts item once the window and the memory budget have room for it, waiting until they do. Never from
  // a report or another callback on the client's loops: waiting there would wait for itself.
  void add(TransferItem item);
  // Until every transfer added so far has been reported.
  void wait();

 private:
  void start(TransferItem item, std::uint64_t cost);
  void ended(const TransferItem& item, std::uint64_t cost, std::exception_ptr error, const TransferResult& result);
  std::uint64_t cost_of(const TransferItem& item) const noexcept;

  Client& client_;
  TransferOptions options_;
  TransferReport report_;
  std::mutex mutex_;
  std::condition_variable changed_;
  unsigned running_ = 0;
  std::uint64_t memory_held_ = 0;
};

}  // namespace raws3
