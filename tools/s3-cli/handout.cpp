#include "handout.hpp"

#include <cstdint>
#include <cstring>

namespace s3cli {
namespace {

enum Tag : int { kAsk = 1, kBatch = 2, kNoMore = 3 };

void put_u64(std::string& out, std::uint64_t v) {
  char bytes[sizeof v];
  std::memcpy(bytes, &v, sizeof v);
  out.append(bytes, sizeof v);
}

void put_text(std::string& out, std::string_view text) {
  put_u64(out, text.size());
  out += text;
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return at_ == data_.size(); }
  std::uint64_t u64() {
    need(sizeof(std::uint64_t));
    std::uint64_t v;
    std::memcpy(&v, data_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::string text() {
    const std::uint64_t n = u64();
    need(n);
    std::string s(data_.substr(at_, n));
    at_ += n;
    return s;
  }

 private:
  void need(std::uint64_t n) const {
    if (n > data_.size() - at_) throw std::runtime_error("a batch of transfers from rank 0 is cut short");
  }
  std::string_view data_;
  std::size_t at_ = 0;
};

}  // namespace

std::string encode_items(const std::vector<raws3::TransferItem>& items) {
  std::string out;
  for (const raws3::TransferItem& item : items) {
    for (const raws3::Place* place : {&item.source, &item.destination}) {
      put_text(out, place->bucket);
      put_text(out, place->key);
      put_text(out, place->path);
    }
    put_u64(out, item.size);
    put_text(out, item.last_modified);
  }
  return out;
}

std::vector<raws3::TransferItem> decode_items(std::string_view batch) {
  std::vector<raws3::TransferItem> items;
  Reader in(batch);
  while (!in.done()) {
    raws3::TransferItem& item = items.emplace_back();
    for (raws3::Place* place : {&item.source, &item.destination}) {
      place->bucket = in.text();
      place->key = in.text();
      place->path = in.text();
    }
    item.size = in.u64();
    item.last_modified = in.text();
  }
  return items;
}

Handout::Handout(Ranks& ranks, std::function<void(raws3::TransferItem)> run,
                 std::function<void(std::string_view)> print)
    : ranks_(ranks), run_(std::move(run)), print_(std::move(print)), outbox_limit_(2 * ranks.size()) {
  server_ = std::jthread([this] { serve_ranks(); });
  local_ = std::jthread([this] { run_local(); });
}

Handout::~Handout() { finish(); }

void Handout::add(raws3::TransferItem item) {
  filling_.push_back(std::move(item));
  if (filling_.size() == kBatchItems) {
    push(encode_items(filling_));
    filling_.clear();
  }
}

void Handout::finish() {
  if (!filling_.empty()) {
    push(encode_items(filling_));
    filling_.clear();
  }
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
  if (server_.joinable()) server_.join();
  if (local_.joinable()) local_.join();
}

void Handout::push(std::string batch) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return outbox_.size() < outbox_limit_; });
  outbox_.push_back(std::move(batch));
  changed_.notify_all();
}

std::optional<std::string> Handout::pop() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !outbox_.empty() || closed_; });
  if (outbox_.empty()) return std::nullopt;
  std::string batch = std::move(outbox_.front());
  outbox_.pop_front();
  changed_.notify_all();
  return batch;
}

void Handout::serve_ranks() {
  // Every other rank asks until it is told there is no more: one "no more" each ends the service.
  for (std::size_t asking = ranks_.size() - 1; asking > 0;) {
    const Ranks::Message ask = ranks_.receive(std::nullopt);
    print_(ask.text);
    if (std::optional<std::string> batch = pop()) {
      ranks_.send(ask.from, kBatch, *batch);
    } else {
      ranks_.send(ask.from, kNoMore, {});
      --asking;
    }
  }
}

void Handout::run_local() {
  while (std::optional<std::string> batch = pop()) {
    for (raws3::TransferItem& item : decode_items(*batch)) run_(std::move(item));
  }
}

void take_handouts(Ranks& ranks, const std::function<void(raws3::TransferItem)>& run,
                   const std::function<std::string()>& output) {
  for (;;) {
    ranks.send(0, kAsk, output());
    Ranks::Message reply = ranks.receive(0u);
    if (reply.tag == kNoMore) return;
    for (raws3::TransferItem& item : decode_items(reply.text)) run(std::move(item));
  }
}

}  // namespace s3cli
