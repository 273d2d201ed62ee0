// bench: keep N operations in flight against a bucket for a while and report throughput and latency.
//
// Each of the N slots is a chain of operations through the client's callback forms: an operation's
// completion, on a loop thread, records it and starts the slot's next one on that same loop. No thread
// waits per operation, so small objects measure the server and the wire rather than thread hand-offs.
// get, stat, delete and list first upload --objects objects (not measured). multipart is put through the
// streaming upload engine: one multipart upload per operation, its parts (--part-size) in flight together.
//
// Under mpirun every rank runs its share of --concurrent and --objects against its share of the endpoints
// (--endpoint-url a,b,...; its slots spread over them), all start after a barrier, and rank 0 reports the
// merged figures (bench_merge.hpp): one window from that common start to the last rank's stop (IOR's rule),
// and the stonewall, what all ranks did until the first one stopped. Each rank removes what it created.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <limits>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "bench_merge.hpp"
#include "bench_stats.hpp"
#include "commands.hpp"
#include "interrupts.hpp"
#include "location.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "ranks.hpp"

namespace s3cli {
namespace {

using Clock = std::chrono::steady_clock;
using bench::Sample;

// The first four in the order of mixed's weights, which draw them by index.
enum class Op : std::size_t { Get, Put, Delete, Stat, List, Multipart };
constexpr std::size_t kOps = 6;
constexpr std::array<std::string_view, kOps> kOpNames{"get", "put", "delete", "stat", "list", "multipart"};

std::string_view name_of(Op op) { return kOpNames[static_cast<std::size_t>(op)]; }

Op op_named(std::string_view name) {
  for (std::size_t i = 0; i < kOps; ++i) {
    if (kOpNames[i] == name) return static_cast<Op>(i);
  }
  return Op::Get;  // "mixed": its operations are drawn per call
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// The status a failed operation is counted under: S3's error code, else the kind of failure.
std::string status_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const raws3::S3Error& e) {
    return e.code();
  } catch (const raws3::NetworkError&) {
    return "NetworkError";
  } catch (const raws3::IntegrityError&) {
    return "IntegrityError";
  } catch (...) {
    return "Error";
  }
}

// The objects the run created. Readers lease a key so that a concurrent delete never takes it from under
// them (a NoSuchKey would then be our doing, not the server's).
class KeyPool {
 public:
  void add(std::string key) {
    std::lock_guard lock(mutex_);
    keys_.push_back(std::move(key));
  }
  // A key that may or may not exist (a failed put or delete): only cleanup will see it.
  void add_doubtful(std::string key) {
    std::lock_guard lock(mutex_);
    doubtful_.push_back(std::move(key));
  }
  std::optional<std::string> lease(std::mt19937_64& rng) {
    std::lock_guard lock(mutex_);
    if (keys_.empty()) return std::nullopt;
    const std::string& key = keys_[std::uniform_int_distribution<std::size_t>(0, keys_.size() - 1)(rng)];
    ++readers_[key];
    return key;
  }
  void release(const std::string& key) {
    std::lock_guard lock(mutex_);
    if (--readers_[key] == 0) readers_.erase(key);
  }
  // A key nobody reads, out of the pool; none when the pool is empty or every key is being read.
  std::optional<std::string> take(std::mt19937_64& rng) {
    std::lock_guard lock(mutex_);
    if (keys_.empty()) return std::nullopt;
    const std::size_t first = std::uniform_int_distribution<std::size_t>(0, keys_.size() - 1)(rng);
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      const std::size_t at = (first + i) % keys_.size();
      if (readers_.contains(keys_[at])) continue;
      std::string key = std::move(keys_[at]);
      keys_[at] = std::move(keys_.back());
      keys_.pop_back();
      return key;
    }
    return std::nullopt;
  }
  std::vector<std::string> drain() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> all = std::move(keys_);
    all.insert(all.end(), doubtful_.begin(), doubtful_.end());
    keys_.clear();
    doubtful_.clear();
    return all;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> keys_;
  std::vector<std::string> doubtful_;
  std::unordered_map<std::string, unsigned> readers_;
};

// An endpoint this rank loads: its client, and the objects the run created there.
struct Target {
  std::string endpoint;  // as given; empty: the configured one
  raws3::Client* client = nullptr;
  KeyPool pool;
};

struct Recorded {
  Op op;
  Sample sample;
};

// One of the --concurrent chains: the operation it has in flight, and what it recorded. Touched only by
// the completions of its own operations, one at a time.
struct Slot {
  Target* target = nullptr;
  std::mt19937_64 rng;
  std::discrete_distribution<std::size_t> draw;
  Recorded current{};
  std::string key;
  Clock::time_point started;
  std::vector<Recorded> recorded;
};

class Bench {
 public:
  Bench(Context& ctx, const BenchArgs& args)
      : ctx_(ctx),
        ranks_(ctx.ranks()),
        args_(args),
        concurrent_(share_of_rank(args.concurrent, ranks_.rank(), ranks_.size())),
        objects_(share_of_rank(args.objects, ranks_.rank(), ranks_.size())),
        mixed_(args.op == "mixed"),
        op_(op_named(args.op)),
        size_(parse_size_flag(args.object_size, "--obj.size")),
        duration_(parse_duration_flag(args.duration, "--duration")),
        warmup_(parse_duration_flag(args.warmup, "--warmup")),
        autoterm_window_(parse_duration_flag(args.autoterm_window, "--autoterm.window")),
        // One prefix for the job: rank 0's.
        prefix_(ranks_.broadcast(args.prefix.empty() ? random_prefix() : args.prefix)),
        rank_tag_(ranks_.size() > 1 ? "r" + std::to_string(ranks_.rank()) + "/" : ""),
        draw_({static_cast<double>(args.get_distrib), static_cast<double>(args.put_distrib),
               static_cast<double>(args.delete_distrib), static_cast<double>(args.stat_distrib)}) {
    put_options_.checksum = checksum_of(ctx.options());
    if (op_ == Op::Multipart) ctx.check_upload_part_size();
    if (warmup_ >= duration_) throw UsageError("--warmup must be shorter than --duration");
    if (autoterm_window_ < std::chrono::seconds(1)) throw UsageError("--autoterm.window must be at least 1s");
    if (op_ == Op::Multipart && size_ <= ctx.config().tuning.put_part_size) {
      throw UsageError("multipart needs --obj.size larger than one part (" +
                       human_bytes(ctx.config().tuning.put_part_size) + ": --part-size or RAWS3_PUT_PART_SIZE)");
    }
    if (mixed_ && args.get_distrib + args.put_distrib + args.delete_distrib + args.stat_distrib == 0) {
      throw UsageError("mixed needs a non-zero --get-distrib, --put-distrib, --delete-distrib or --stat-distrib");
    }
    if (args.concurrent < ranks_.size()) {
      throw UsageError("--concurrent " + std::to_string(args.concurrent) + " leaves some of the " +
                       std::to_string(ranks_.size()) + " ranks nothing to run (it is the job's total)");
    }
    if (needs_objects() && args.objects < ranks_.size()) {
      throw UsageError("--objects " + std::to_string(args.objects) + " leaves some of the " +
                       std::to_string(ranks_.size()) + " ranks nothing to read (it is the job's total)");
    }
  }

  void prepare();
  // Collective: every rank calls it, prepared or not; one whose preparation failed runs nothing.
  void run(bool prepared);
  int report() const;
  void write_csv() const;
  void cleanup();
  // This rank's failure before or during the run, for its row of the report.
  void failed(std::string why) { failure_ = std::move(why); }

 private:
  static std::string random_prefix();
  void make_targets();
  std::string next_key() { return prefix_ + rank_tag_ + "obj" + std::to_string(next_key_.fetch_add(1)); }
  bool moves_bytes() const { return mixed_ || op_ == Op::Get || op_ == Op::Put || op_ == Op::Multipart; }
  bool needs_objects() const { return mixed_ || !(op_ == Op::Put || op_ == Op::Multipart); }
  bool progress_enabled() const;
  bool start_next(Slot& slot);
  void execute(Slot& slot);
  void list_from(Slot& slot, std::string continuation_token);
  void finished(Slot& slot, std::exception_ptr error);
  void record(Slot& slot, const std::exception_ptr& error);
  void chain_ended();
  void note_failure(std::string_view status, const std::string& key, const std::exception_ptr& error);
  void put_prepared(Progress& progress);

  Context& ctx_;
  Ranks& ranks_;
  const BenchArgs& args_;
  unsigned concurrent_;  // this rank's share
  unsigned objects_;     // this rank's share
  bool mixed_;
  Op op_;
  std::uint64_t size_;
  std::chrono::milliseconds duration_;
  std::chrono::milliseconds warmup_;
  std::chrono::milliseconds autoterm_window_;
  std::string prefix_;
  std::string rank_tag_;  // in every key this rank creates, so that ranks never meet
  std::discrete_distribution<std::size_t> draw_;
  std::shared_ptr<std::vector<std::byte>> body_ = std::make_shared<std::vector<std::byte>>();
  raws3::PutOptions put_options_;
  // Clients of a rank's own endpoints, when --endpoint-url lists several; else the context's one client.
  std::vector<std::unique_ptr<raws3::Client>> own_clients_;
  std::deque<Target> targets_;  // a deque: a KeyPool does not move
  std::atomic<std::uint64_t> next_key_{0};
  std::string failure_;

  Clock::time_point start_;
  double stopped_at_ = 0;
  std::string stopped_by_ = "duration";
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> done_bytes_{0};
  std::atomic<std::uint64_t> done_ops_{0};
  Progress::Share* progress_ = nullptr;  // set for the length of run()
  std::mutex running_mutex_;
  std::condition_variable running_cv_;
  unsigned running_ = 0;  // chains not yet ended
  std::vector<Slot> slots_;

  std::mutex failures_mutex_;
  std::set<std::string, std::less<>> reported_;  // statuses already written to stderr

  // SIGINT/SIGTERM: the run ends as its duration would, then reports and removes what it created. Last,
  // since a signal that came already runs the handler from the constructor.
  std::atomic<bool> interrupted_{false};
  Interrupts::Scope interrupt_scope_{[this] {
    std::lock_guard lock(running_mutex_);
    interrupted_ = true;
    running_cv_.notify_all();
  }};
};

std::string Bench::random_prefix() {
  std::random_device device;
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "s3-cli-bench-%08x/", device());
  return buf.data();
}

// One error line per status, so that a failing server does not flood stderr; the report counts them all.
void Bench::note_failure(std::string_view status, const std::string& key, const std::exception_ptr& error) {
  std::lock_guard lock(failures_mutex_);
  if (!reported_.emplace(status).second) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    report_error(ctx_.command(), s3_location(args_.bucket, key).text, e);
  }
}

void Bench::make_targets() {
  const std::string& list = ctx_.options().endpoint_url;
  if (list.find(',') == std::string::npos) {
    targets_.emplace_back().client = &ctx_.client();
    return;
  }
  for (const std::string& endpoint : endpoints_of_rank(list, ranks_.rank(), ranks_.size())) {
    raws3::Config config = ctx_.config();
    config.endpoint_url = endpoint;
    Target& target = targets_.emplace_back();
    target.endpoint = endpoint;
    target.client = own_clients_.emplace_back(std::make_unique<raws3::Client>(config)).get();
  }
  if (targets_.empty()) throw UsageError("--endpoint-url lists no endpoint");
}

void Bench::put_prepared(Progress& progress) {
  Progress::Share share(progress);
  std::atomic<std::uint64_t> claimed{0};
  std::atomic<std::uint64_t> uploaded{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto upload = [&] {
    for (std::uint64_t n; !interrupted_.load(std::memory_order_relaxed) && (n = claimed.fetch_add(1)) < objects_;) {
      Target& target = targets_[n % targets_.size()];
      const std::string key = next_key();
      try {
        target.client->put_object(args_.bucket, key, *body_, put_options_);
      } catch (...) {
        target.pool.add_doubtful(key);
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        claimed.store(objects_);  // the others stop after their current upload
        return;
      }
      target.pool.add(key);
      share.update(uploaded.fetch_add(size_) + size_, 0);
      progress.file_done();
    }
  };
  {
    std::vector<std::jthread> workers;
    for (unsigned i = 0; i < concurrent_; ++i) workers.emplace_back(upload);
  }
  if (failure) std::rethrow_exception(failure);
}

void Bench::prepare() {
  make_targets();
  // A bucket that does not exist would make every operation of the run fail: say so at once instead. Only
  // that answer stops the run; a user allowed to PUT but not to list still gets the benchmark.
  for (const Target& target : targets_) {
    try {
      raws3::ListOptions one;
      one.max_keys = 1;
      target.client->list_objects_v2(args_.bucket, one);
    } catch (const raws3::S3Error& e) {
      if (e.code() == "NoSuchBucket") throw;
    }
  }
  // Incompressible bytes: a server or proxy that compresses must not look faster than it is.
  std::vector<std::byte>& body = *body_;
  body.resize(size_);
  std::mt19937_64 rng(std::random_device{}());
  for (std::size_t at = 0; at < body.size(); at += sizeof(std::uint64_t)) {
    const std::uint64_t word = rng();
    std::memcpy(body.data() + at, &word, std::min(sizeof word, body.size() - at));
  }
  if ((op_ == Op::Put || op_ == Op::Multipart) && !mixed_) return;
  Progress progress(progress_enabled(), "bench: preparing", objects_ * size_, objects_);
  put_prepared(progress);
}

// Starts the slot's next operation; false when there is none to start (delete has deleted everything).
bool Bench::start_next(Slot& slot) {
  Op op = mixed_ ? static_cast<Op>(slot.draw(slot.rng)) : op_;
  std::optional<std::string> key;
  KeyPool& pool = slot.target->pool;
  if (op == Op::Get || op == Op::Stat) key = pool.lease(slot.rng);
  if (op == Op::Delete) key = pool.take(slot.rng);
  if (op == Op::Put || op == Op::Multipart) key = next_key();
  if (op == Op::List) key = prefix_;
  if (!key) {
    // Plain delete has deleted everything; mixed refills its pool instead.
    if (!mixed_) return false;
    op = Op::Put;
    key = next_key();
  }
  slot.key = std::move(*key);
  slot.current = Recorded{.op = op, .sample = {}};
  slot.started = Clock::now();
  slot.current.sample.start = seconds_between(start_, slot.started);
  try {
    execute(slot);
  } catch (...) {
    record(slot, std::current_exception());  // it could not even start: the chain ends here
    return false;
  }
  return true;
}

void Bench::execute(Slot& slot) {
  raws3::Client& client = *slot.target->client;
  Sample& sample = slot.current.sample;
  auto done = [this, &slot](std::exception_ptr error, auto&&...) { finished(slot, error); };
  switch (slot.current.op) {
    case Op::Get: {
      raws3::GetOptions options;
      options.first_byte = [&sample, started = slot.started] { sample.ttfb = seconds_between(started, Clock::now()); };
      client.get_discard(args_.bucket, slot.key, options, [this, &slot](std::exception_ptr error, raws3::HeadResult head) {
        slot.current.sample.bytes = head.size;
        finished(slot, error);
      });
      return;
    }
    case Op::Put:
      sample.bytes = size_;
      client.put_object(args_.bucket, slot.key, *body_, put_options_, done);
      return;
    case Op::Delete:
      client.delete_object(args_.bucket, slot.key, done);
      return;
    case Op::Stat:
      client.head_object(args_.bucket, slot.key, done);
      return;
    case Op::List:
      list_from(slot, {});
      return;
    case Op::Multipart:
      sample.bytes = size_;
      client.upload(args_.bucket, slot.key, raws3::SharedBytes(body_), put_options_, done);
      return;
  }
}

// One list operation is every page of the run's prefix.
void Bench::list_from(Slot& slot, std::string continuation_token) {
  raws3::ListOptions options;
  options.prefix = prefix_;
  options.max_keys = ctx_.options().page_size;
  options.continuation_token = std::move(continuation_token);
  slot.target->client->list_objects_v2(args_.bucket, options, [this, &slot](std::exception_ptr error, raws3::ListObjectsPage page) {
    if (!error && page.is_truncated && !page.next_continuation_token.empty()) {
      try {
        list_from(slot, std::move(page.next_continuation_token));
        return;
      } catch (...) {
        error = std::current_exception();
      }
    }
    finished(slot, error);
  });
}

// On a loop thread: the slot's operation ended. Records it and starts the next, unless the run is over.
void Bench::finished(Slot& slot, std::exception_ptr error) {
  record(slot, error);
  if (stop_.load(std::memory_order_relaxed) || !start_next(slot)) chain_ended();
}

void Bench::record(Slot& slot, const std::exception_ptr& error) {
  Recorded& r = slot.current;
  r.sample.end = seconds_between(start_, Clock::now());
  if (error) {
    r.sample.bytes = 0;
    r.sample.status = status_of(error);
    note_failure(r.sample.status, slot.key, error);
  } else {
    r.sample.status = "OK";
  }
  const Op op = r.op;
  KeyPool& pool = slot.target->pool;
  if (op == Op::Get || op == Op::Stat) pool.release(slot.key);
  if (op == Op::Put || op == Op::Multipart || op == Op::Delete) {
    if (!r.sample.ok()) {
      pool.add_doubtful(slot.key);
    } else if (op != Op::Delete) {
      pool.add(slot.key);
    }
  }
  if (r.sample.ok()) {
    done_ops_.fetch_add(1, std::memory_order_relaxed);
    progress_->update(done_bytes_.fetch_add(r.sample.bytes, std::memory_order_relaxed) + r.sample.bytes, 0);
  }
  slot.recorded.push_back(std::move(r));
}

void Bench::chain_ended() {
  std::lock_guard lock(running_mutex_);
  if (--running_ == 0) running_cv_.notify_all();
}

void Bench::run(bool prepared) {
  const std::uint64_t seed = std::random_device{}();
  slots_.resize(prepared ? concurrent_ : 0);
  for (unsigned i = 0; i < slots_.size(); ++i) {
    slots_[i].target = &targets_[i % targets_.size()];
    slots_[i].rng.seed(seed + i);
    slots_[i].draw = draw_;
  }
  Progress progress(progress_enabled(), "bench " + args_.op, 0, 0);
  Progress::Share share(progress);
  progress_ = &share;
  // Every rank's clock starts here, as it leaves the barrier: the ranks' times share one origin.
  ranks_.barrier();
  start_ = Clock::now();
  for (Slot& slot : slots_) {
    {
      std::lock_guard lock(running_mutex_);
      ++running_;
    }
    if (!start_next(slot)) chain_ended();
  }

  const Clock::time_point deadline = start_ + duration_;
  const auto window = static_cast<std::size_t>(std::chrono::ceil<std::chrono::seconds>(autoterm_window_).count());
  bench::SteadyDetector steady(window, args_.autoterm_percent);
  std::uint64_t last_bytes = 0;
  std::uint64_t last_ops = 0;
  for (int second = 1;; ++second) {
    const Clock::time_point tick = std::min(start_ + std::chrono::seconds(second), deadline);
    {
      std::unique_lock lock(running_mutex_);
      if (running_cv_.wait_until(lock, tick, [this] { return running_ == 0 || interrupted_; })) {
        stopped_by_ = running_ == 0 ? "objects" : "interrupt";
        break;
      }
    }
    const std::uint64_t bytes = done_bytes_.load(std::memory_order_relaxed);
    const std::uint64_t ops = done_ops_.load(std::memory_order_relaxed);
    if (tick >= deadline) break;
    const bool measured = std::chrono::seconds(second - 1) >= warmup_;
    const double rate = static_cast<double>(moves_bytes() ? bytes - last_bytes : ops - last_ops);
    last_bytes = bytes;
    last_ops = ops;
    if (args_.autoterm && measured && steady.add(rate)) {
      stopped_by_ = "autoterm";
      break;
    }
  }
  stop_ = true;
  stopped_at_ = seconds_between(start_, Clock::now());
  // The operations in flight end (and are recorded) before the progress line they feed goes away.
  std::unique_lock lock(running_mutex_);
  running_cv_.wait(lock, [this] { return running_ == 0; });
}

// Per-second figures for the report: bytes and operations of one second.
void second_json(Json& doc, const char* name, const bench::Second& s) {
  doc.key(name).begin_object();
  doc.key("mib_per_s").decimal(static_cast<double>(s.bytes) / (1024.0 * 1024.0));
  doc.key("objects_per_s").number(s.ops);
  doc.end_object();
}

void percentiles_json(Json& doc, const char* name, const bench::Percentiles& p) {
  doc.key(name).begin_object();
  doc.key("p50").decimal(p.p50 * 1e3).key("p90").decimal(p.p90 * 1e3);
  doc.key("p99").decimal(p.p99 * 1e3).key("max").decimal(p.max * 1e3);
  doc.end_object();
}

std::string format(const char* pattern, double a, double b = 0, double c = 0, double d = 0) {
  std::array<char, 160> buf{};
  std::snprintf(buf.data(), buf.size(), pattern, a, b, c, d);
  return buf.data();
}

std::string second_text(const bench::Second& s) {
  return format("%.2f MiB/s %.0f obj/s", static_cast<double>(s.bytes) / (1024.0 * 1024.0), static_cast<double>(s.ops));
}

std::string percentiles_text(const char* label, const bench::Percentiles& p) {
  return std::string("  ") + label +
         format(" ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f", p.p50 * 1e3, p.p90 * 1e3, p.p99 * 1e3, p.max * 1e3);
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// This rank's row of the report, as rank 0 gathers it: fields split by tabs, none of which holds one.
struct RankRow {
  std::string host;
  std::string endpoints;
  std::uint64_t total_ops = 0;
  std::uint64_t bytes = 0;  // in the rank's measured window
  double seconds = 0;       // that window
  double run_s = 0;         // when the rank stopped, from the common start
  double cpu_s = 0;         // the rank's process's CPU-seconds (user + system), preparation included
  std::string stopped_by;
  std::string failure;

  std::string text() const {
    auto clean = [](std::string field) {
      std::replace_if(field.begin(), field.end(), [](char c) { return c == '\t' || c == '\n'; }, ' ');
      return field;
    };
    return clean(host) + '\t' + clean(endpoints) + '\t' + std::to_string(total_ops) + '\t' + std::to_string(bytes) +
           '\t' + format("%.6f", seconds) + '\t' + format("%.6f", run_s) + '\t' + format("%.6f", cpu_s) + '\t' +
           stopped_by + '\t' + clean(failure);
  }
  static RankRow parse(const std::string& text) {
    std::vector<std::string> f;
    for (std::size_t from = 0;;) {
      const std::size_t tab = text.find('\t', from);
      f.push_back(text.substr(from, tab - from));
      if (tab == std::string::npos) break;
      from = tab + 1;
    }
    f.resize(9);
    auto number = [](const std::string& field, auto value) {
      std::from_chars(field.data(), field.data() + field.size(), value);
      return value;
    };
    return {f[0], f[1], number(f[2], std::uint64_t{0}), number(f[3], std::uint64_t{0}), number(f[4], 0.0),
            number(f[5], 0.0), number(f[6], 0.0), f[7], f[8]};
  }
  double mib_per_s() const { return seconds > 0 ? static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds : 0; }
};

int Bench::report() const {
  std::array<std::vector<Sample>, kOps> by_op;
  std::uint64_t total = 0;
  std::uint64_t succeeded = 0;
  for (const Slot& slot : slots_) {
    for (const Recorded& r : slot.recorded) {
      by_op[static_cast<std::size_t>(r.op)].push_back(r.sample);
      ++total;
      succeeded += r.sample.ok() ? 1 : 0;
    }
  }
  const double warmup = std::chrono::duration<double>(warmup_).count();
  // Every rank's clock started as it left the same barrier. The job's window ends with the last rank to
  // stop (IOR's rule); seconds and the stonewall are counted to the first, where every rank still ran.
  const double last_stop = ranks_.max_of(stopped_at_);
  // A rank whose share could not start ran nothing: the stonewall is the first to stop of those that ran.
  double first_stop = ranks_.min_of(slots_.empty() ? std::numeric_limits<double>::infinity() : stopped_at_);
  if (!std::isfinite(first_stop)) first_stop = last_stop;
  const bool several = ranks_.size() > 1;

  std::array<bench::OpTally, kOps> tallies;
  RankRow mine{.host = ranks_.host(), .endpoints = {}, .total_ops = total, .bytes = 0,
               .seconds = std::max(stopped_at_ - warmup, 0.0), .run_s = stopped_at_, .cpu_s = process_cpu_seconds(),
               .stopped_by = stopped_by_, .failure = failure_};
  for (const Target& target : targets_) {
    mine.endpoints += (mine.endpoints.empty() ? "" : ",") + (target.endpoint.empty() ? ctx_.config().endpoint_url : target.endpoint);
  }
  for (std::size_t i = 0; i < kOps; ++i) {
    tallies[i] = bench::tally(by_op[i], warmup, stopped_at_, first_stop);
    mine.bytes += tallies[i].bytes;
  }
  const std::vector<std::string> rows = ranks_.gather(mine.text());
  std::array<std::uint64_t, 2> job_ops{total, succeeded};
  ranks_.sum_to_root(job_ops);

  Json doc;
  doc.begin_object();
  doc.key("command").string(args_.op).key("bucket").string(args_.bucket).key("prefix").string(prefix_);
  doc.key("concurrent").number(args_.concurrent).key("object_size").number(size_);
  doc.key("warmup_s").decimal(warmup).key("run_s").decimal(last_stop).key("stopped_by").string(stopped_by_);
  doc.key("total_ops").number(job_ops[0]);
  doc.key("operations").begin_array();
  std::vector<std::string> lines;
  lines.push_back("bench " + args_.op + ": " + std::to_string(args_.concurrent) + " concurrent, " + human_bytes(size_) +
                  " objects, " + format("%.1f s", last_stop) + " (stopped by " + stopped_by_ + "), warm-up " +
                  format("%.1f s", warmup) + " excluded" +
                  (several ? ", " + std::to_string(ranks_.size()) + " ranks" : ""));
  for (std::size_t i = 0; i < kOps; ++i) {
    // Every rank merges every kind, whether it ran it or not: the merge is collective.
    std::array<std::uint64_t, 3> seen{by_op[i].size(), 0, 0};  // samples; bytes and operations by the first stop
    for (const Sample& s : by_op[i]) {
      if (!s.ok() || s.start < warmup || s.end > first_stop) continue;
      seen[1] += s.bytes;
      ++seen[2];
    }
    if (several) {
      bench::merge_over_ranks(tallies[i], ranks_);
      ranks_.sum_to_root(seen);
    }
    if (!ranks_.is_root() || seen[0] == 0) continue;
    const bench::OpReport r = bench::report_of(tallies[i], last_stop - warmup);
    const std::string name(kOpNames[i]);
    doc.begin_object().key("op").string(name).key("ops").number(r.ops).key("bytes").number(r.bytes);
    doc.key("seconds").decimal(r.seconds).key("mib_per_s").decimal(r.mib_per_s);
    doc.key("objects_per_s").decimal(r.ops_per_s);
    lines.push_back(name + format(": %.2f MiB/s, %.2f obj/s", r.mib_per_s, r.ops_per_s) + ", " +
                    std::to_string(r.ops) + " operations");
    if (several && first_stop > warmup) {
      // elbencho's stonewall: the rate while every rank was still running.
      const double seconds = first_stop - warmup;
      const double mib = static_cast<double>(seen[1]) / (1024.0 * 1024.0) / seconds;
      const double objects = static_cast<double>(seen[2]) / seconds;
      doc.key("stonewall").begin_object().key("seconds").decimal(seconds).key("mib_per_s").decimal(mib);
      doc.key("objects_per_s").decimal(objects).end_object();
      lines.push_back(format("  stonewall (first rank done at %.1f s): %.2f MiB/s, %.2f obj/s", first_stop, mib, objects));
    }
    if (r.by_second) {
      doc.key("per_second").begin_object();
      second_json(doc, "fastest", r.by_second->fastest);
      second_json(doc, "median", r.by_second->median);
      second_json(doc, "slowest", r.by_second->slowest);
      doc.end_object();
      lines.push_back("  seconds: fastest " + second_text(r.by_second->fastest) + ", median " +
                      second_text(r.by_second->median) + ", slowest " + second_text(r.by_second->slowest));
    }
    percentiles_json(doc, "latency_ms", r.latency);
    lines.push_back(percentiles_text("latency", r.latency));
    if (r.ttfb) {
      percentiles_json(doc, "ttfb_ms", *r.ttfb);
      lines.push_back(percentiles_text("ttfb", *r.ttfb));
    }
    doc.key("errors").begin_object();
    std::string errors;
    for (const auto& [status, n] : r.errors) {
      doc.key(status).number(n);
      errors += " " + status + " " + std::to_string(n);
    }
    doc.end_object().end_object();
    if (!errors.empty()) lines.push_back("  errors:" + errors);
  }
  doc.end_array();
  doc.key("ranks").begin_array();
  for (std::size_t rank = 0; rank < rows.size(); ++rank) {
    const RankRow row = RankRow::parse(rows[rank]);
    doc.begin_object().key("rank").number(rank).key("host").string(row.host).key("endpoint").string(row.endpoints);
    doc.key("total_ops").number(row.total_ops).key("mib_per_s").decimal(row.mib_per_s());
    doc.key("run_s").decimal(row.run_s).key("cpu_s").decimal(row.cpu_s).key("stopped_by").string(row.stopped_by);
    if (!row.failure.empty()) doc.key("error").string(row.failure);
    doc.end_object();
    if (several) {
      lines.push_back("  rank " + std::to_string(rank) + " on " + row.host + " (" + row.endpoints + "): " +
                      std::to_string(row.total_ops) + " operations" + format(", %.2f MiB/s", row.mib_per_s()) +
                      (row.failure.empty() ? "" : ", failed: " + row.failure));
    }
  }
  doc.end_array().end_object();
  if (!ranks_.is_root()) return total > 0 && succeeded == 0 ? kFailure : kSuccess;

  if (ctx_.options().json) {
    Console::instance().out(doc.text());
  } else if (!ctx_.options().quiet) {
    for (const std::string& line : lines) Console::instance().out(line);
  }
  return total > 0 && succeeded == 0 ? kFailure : kSuccess;
}

// Collective: rank 0 writes every rank's operations, each row naming its rank.
void Bench::write_csv() const {
  std::vector<const Recorded*> all;
  for (const Slot& slot : slots_) {
    for (const Recorded& r : slot.recorded) all.push_back(&r);
  }
  std::sort(all.begin(), all.end(),
            [](const Recorded* a, const Recorded* b) { return a->sample.start < b->sample.start; });
  std::string rows;
  const std::string rank = std::to_string(ranks_.rank());
  for (const Recorded* r : all) {
    const Sample& s = r->sample;
    rows += std::string(name_of(r->op)) + format(",%.6f,%.6f,", s.start, s.end) + std::to_string(s.bytes) + ',' +
            (s.ttfb ? format("%.6f", *s.ttfb) : "") + ',' + s.status + ',' + rank + '\n';
  }
  const std::vector<std::string> ranks_rows = ranks_.gather(rows);
  if (!ranks_.is_root()) return;
  std::ofstream csv(args_.csv);
  csv << "op,start_s,end_s,bytes,ttfb_s,status,rank\n";
  for (const std::string& part : ranks_rows) csv << part;
  csv.flush();
  if (!csv) throw raws3::FileError(args_.csv + ": cannot write the CSV file");
}

void Bench::cleanup() {
  std::size_t left = 0;
  for (Target& target : targets_) {
    const std::vector<std::string> keys = target.pool.drain();
    if (keys.empty()) continue;
    const raws3::DeleteObjectsResult result = target.client->delete_objects(args_.bucket, keys);
    for (const auto& f : result.errors) {
      report_error(ctx_.command(), s3_location(args_.bucket, f.key).text, f.code + ": " + f.message);
    }
    left += result.errors.size();
  }
  if (left != 0) throw raws3::Error("cleanup left " + std::to_string(left) + " objects");
}

bool Bench::progress_enabled() const {
  // Progress lines of many ranks would interleave on mpirun's one stderr.
  return ranks_.size() == 1 && ctx_.progress_enabled(false);
}

}  // namespace

int run_bench(Context& ctx, const BenchArgs& args) {
  Bench bench(ctx, args);
  const std::string target = s3_location(args.bucket, args.prefix).text;
  // From here every rank goes through every collective step, whatever failed on it; the exit code is the
  // worst of the ranks', so that a rank whose share failed fails the job.
  int rc = ctx.attempt(target, [&] {
    try {
      bench.prepare();
    } catch (const std::exception& e) {
      bench.failed(e.what());
      throw;
    }
  });
  bench.run(rc == kSuccess);
  // Alone, a run that could not start has nothing to report; in a job, the other ranks' figures do.
  if (rc == kSuccess || ctx.ranks().size() > 1) {
    rc = std::max(rc, bench.report());
    if (!args.csv.empty()) rc = std::max(rc, ctx.attempt(args.csv, [&] { bench.write_csv(); }));
  }
  const int cleaned = args.keep ? kSuccess : ctx.attempt(target, [&] { bench.cleanup(); });
  return ctx.ranks().max_of(std::max(rc, cleaned));
}

}  // namespace s3cli
