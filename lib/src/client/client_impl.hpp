// The inside of raws3::Client: its loops, what they share, and how work reaches them. Each group of
// Client methods lives in a file of its own (client.cpp, and the transfer engines beside it).
#pragma once

#include <atomic>
#include <cerrno>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "auth/credential_chain.hpp"
#include "io/loop.hpp"
#include "raws3/client.hpp"
#include "s3/addressing.hpp"
#include "s3/endpoint.hpp"
#include "s3/loop_context.hpp"
#include "s3/loop_slot.hpp"
#include "s3/work_tracker.hpp"

namespace raws3 {

namespace detail {
// FileError "<what> '<path>': <strerror(errno)>".
[[noreturn]] inline void throw_file_error(const std::string& what, const std::string& path) {
  throw FileError(what + " '" + path + "': " + std::strerror(errno));
}

}  // namespace detail

// Who owns what, and on which thread (the lifetime rules every Client method keeps):
// - Impl owns the loops (LoopSlot: a thread and the LoopContext on it); a LoopContext owns that loop's
//   connection pools, signer and registered buffers, and is touched only on its loop's thread.
// - Every call runs as a coroutine on a loop, started by start(). It holds a WorkTracker::Token from the
//   moment it is started until its `done` has returned; work it fans out to other loops (range GET
//   parts, upload parts) is awaited by it, so the token covers that too. A writer's upload lives on its
//   home loop between calls and is in `writers` until it ends.
// - Destruction cancels (as Client::cancel() does), aborts the live writers' uploads, waits until every
//   token is released, and only then destroys the contexts on their loops and stops the loops. So every
//   `done` runs exactly once, before the Client is gone, and nothing is freed under a suspended
//   coroutine. Calls made while the client closes (from a `done`, say) fail with raws3::Cancelled.
// - A blocking call waits for a loop, so it must never run on one of the client's own loop threads:
//   it throws raws3::Error there instead of waiting for itself.
// Hidden, though inside the exported Client: nothing of it is API.
struct __attribute__((visibility("hidden"))) Client::Impl {
  // A live ObjectWriter's upload: what a closing client must abort before its loops go.
  class Writer {
   public:
    virtual void abandon() noexcept = 0;

   protected:
    ~Writer() = default;
  };

  static constexpr unsigned kMaxLoopsPerCore = 16;

  // Resolves where and as whom the client connects (client.cpp): the AWS settings and credentials for S3,
  // the storage account for Azure Blob.
  explicit Impl(Config c);

  ~Impl() {
    if (!loops_started.load(std::memory_order_acquire)) return;
    endpoint.cancelled.store(true, std::memory_order_release);
    cancel_loops();
    abandon_writers();
    work.wait_idle();
    // A refresh in flight may resume its waiters on the loops: it ends while they still run.
    if (endpoint.credentials) endpoint.credentials->shutdown();
    slots.clear();
  }

  void start_loops() {
    std::call_once(started, [this] {
      const unsigned file_buffers_per_loop = (config.tuning.get_inflight + thread_count - 1) / thread_count;
      std::vector<std::unique_ptr<s3::LoopSlot>> made;
      for (unsigned i = 0; i < thread_count; ++i)
        made.push_back(std::make_unique<s3::LoopSlot>(engine.backend, endpoint, file_buffers_per_loop));
      slots = std::move(made);
      loops_started.store(true, std::memory_order_release);
    });
  }

  // Tells every loop started so far to cancel what it has in flight (LoopContext::observe_cancel); loops
  // that miss it see Endpoint::cancelled on their next request. Requests waiting for credentials fail now.
  void cancel_loops() {
    if (endpoint.credentials) endpoint.credentials->cancel();
    if (!loops_started.load(std::memory_order_acquire)) return;
    for (auto& slot : slots) slot->loop().post([context = &slot->context()] { context->observe_cancel(); });
  }

  // Every loop's context, the loops started.
  std::vector<s3::LoopContext*> contexts() {
    start_loops();
    std::vector<s3::LoopContext*> all;
    for (const auto& slot : slots) all.push_back(&slot->context());
    return all;
  }

  // Runs the task `make(context)` builds on loop `index` (modulo the loop count); without one, on the
  // calling thread's loop when that is one of ours (a completion starting the next call stays where it
  // is), else on the next. done(error, result...) runs on that loop when the task ends: T's value, or none
  // for void. It runs exactly once, whatever happens, and the client waits for it before it closes.
  template <class T, class Make, class Done>
  void start(Make make, Done done, std::optional<unsigned> index = std::nullopt) {
    start_loops();
    s3::LoopSlot* slot = index ? slots[*index % slots.size()].get() : current_slot();
    if (!slot) slot = slots[next_slot.fetch_add(1, std::memory_order_relaxed) % slots.size()].get();
    // One allocation holds the call; the wrappers below only share it, so the loop's queue stays cheap.
    struct Call {
      Make make;
      Done done;
      s3::WorkTracker::Token token;
    };
    auto call = std::make_shared<Call>(std::move(make), std::move(done), s3::WorkTracker::Token(work));
    slot->loop().post([this, call, context = &slot->context()] {
      auto finish = [this, call](std::exception_ptr error, auto... value) {
        call->done(as_cancelled_if_closing(error), std::move(value)...);
      };
      try {
        if constexpr (std::is_void_v<T>) {
          io::spawn(call->make(*context), [finish](std::exception_ptr error) { finish(error); });
        } else {
          io::spawn(call->make(*context), [finish](std::variant<std::monostate, T> value, std::exception_ptr error) {
            finish(error, error ? T{} : std::move(std::get<1>(value)));
          });
        }
      } catch (...) {
        // The task could not even be made (out of memory): done still runs, once.
        if constexpr (std::is_void_v<T>)
          finish(std::current_exception());
        else
          finish(std::current_exception(), T{});
      }
    });
  }

  // start(), with a future for the result or exception.
  template <class T, class Make>
  std::future<T> submit(Make make, std::optional<unsigned> index = std::nullopt) {
    auto promise = std::make_shared<std::promise<T>>();
    std::future<T> future = promise->get_future();
    start<T>(
        std::move(make),
        [promise](std::exception_ptr error, auto... value) {
          if (error)
            promise->set_exception(error);
          else
            promise->set_value(std::move(value)...);
        },
        index);
    return future;
  }

  // submit() and wait: the blocking forms. `call` names the method for the error a loop thread gets.
  template <class T, class Make>
  T run(const char* call, Make make, std::optional<unsigned> index = std::nullopt) {
    require_blocking_allowed(call);
    return submit<T>(std::move(make), index).get();
  }

  // Throws raws3::Error on one of this client's loop threads, where waiting would wait for itself.
  void require_blocking_allowed(const char* call) {
    if (current_slot())
      throw Error(std::string("Client::") + call +
                  " blocks, and cannot run on one of the client's own loop threads (inside a callback, where "
                  "it would wait for itself): use its callback form, or call it from another thread");
  }

  // The slot whose loop thread this is, if any.
  s3::LoopSlot* current_slot() {
    if (!loops_started.load(std::memory_order_acquire)) return nullptr;
    for (const auto& slot : slots)
      if (slot->loop().on_loop_thread()) return slot.get();
    return nullptr;
  }

  void add_writer(Writer* writer) {
    std::lock_guard lock(writers_mutex);
    writers.insert(writer);
  }
  void remove_writer(Writer* writer) {
    std::lock_guard lock(writers_mutex);
    writers.erase(writer);
  }

  Config config;
  // Decided with the Client, before any loop exists: a required engine that is missing fails the constructor.
  io::EngineChoice engine = io::choose_engine(config.tuning.io_engine);
  std::string endpoint_url;
  s3::Endpoint endpoint;
  unsigned thread_count = 1;
  std::atomic<unsigned> next_slot{0};

 private:
  // A transport failure that a cancellation caused is reported as what it is.
  std::exception_ptr as_cancelled_if_closing(std::exception_ptr error) const {
    if (!error || !endpoint.cancelled.load(std::memory_order_acquire)) return error;
    try {
      std::rethrow_exception(error);
    } catch (const NetworkError& e) {
      return std::make_exception_ptr(Cancelled(std::string("cancelled: ") + e.what()));
    } catch (...) {
      return error;
    }
  }

  void abandon_writers() {
    std::set<Writer*> live;
    {
      std::lock_guard lock(writers_mutex);
      live.swap(writers);
    }
    for (Writer* writer : live) writer->abandon();
  }

  s3::WorkTracker work;
  std::once_flag started;
  std::atomic<bool> loops_started{false};
  std::vector<std::unique_ptr<s3::LoopSlot>> slots;
  std::mutex writers_mutex;
  std::set<Writer*> writers;
};

}  // namespace raws3
