// cp -r and sync under mpirun: rank 0 lists (walks, compares) and hands the transfers out in batches, on
// demand, so that a fast rank takes more (DistCp's dynamic strategy); every rank, rank 0 too, runs what it
// takes through its own transfer queue.
//
// Threads on rank 0: the main thread feeds add() from the listing and blocks while the outbox is full (the
// listing's back-pressure, as the queue's window is for one process). A hand-out thread answers the other
// ranks' requests with the next batch, and is then the only thread calling MPI; a local thread runs rank
// 0's own share. finish() flushes the last batch, answers every rank's last request with "no more" and
// joins both threads: only after it may the main thread call MPI again.
//
// Local paths travel as they are: every rank must see them on the same (shared) file system.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "raws3/transfer.hpp"
#include "ranks.hpp"

namespace s3cli {

// Batches as they travel between ranks: each string length-prefixed, so keys and paths may hold any byte.
std::string encode_items(const std::vector<raws3::TransferItem>& items);
std::vector<raws3::TransferItem> decode_items(std::string_view batch);

class Handout {
 public:
  // run(item) queues one transfer on this rank (and may wait while its window is full); it is called on
  // the local thread. print(lines) writes the output another rank sends with each request (only rank 0
  // writes stdout), on the hand-out thread. Rank 0 only.
  Handout(Ranks& ranks, std::function<void(raws3::TransferItem)> run, std::function<void(std::string_view)> print);
  ~Handout();
  Handout(const Handout&) = delete;
  Handout& operator=(const Handout&) = delete;

  void add(raws3::TransferItem item);
  void finish();

 private:
  static constexpr std::size_t kBatchItems = 32;

  void push(std::string batch);
  std::optional<std::string> pop();
  void serve_ranks();
  void run_local();

  Ranks& ranks_;
  std::function<void(raws3::TransferItem)> run_;
  std::function<void(std::string_view)> print_;
  std::vector<raws3::TransferItem> filling_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> outbox_;
  const std::size_t outbox_limit_;
  bool closed_ = false;
  std::jthread server_;
  std::jthread local_;
};

// The other ranks' side: asks rank 0 for batches and runs each item, until it has no more. Each request
// carries output(), this rank's output since the last one, for rank 0 to print.
void take_handouts(Ranks& ranks, const std::function<void(raws3::TransferItem)>& run,
                   const std::function<std::string()>& output);

}  // namespace s3cli
