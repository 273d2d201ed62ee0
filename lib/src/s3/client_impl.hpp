// The inside of raws3::Client: its loops, what they share, and how work reaches them. Each group of
// Client methods lives in a file of its own (client.cpp, and the transfer engines beside it).
#pragma once

#include <atomic>
#include <cerrno>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "auth/credential_chain.hpp"
#include "io/loop.hpp"
#include "raws3/client.hpp"
#include "s3/addressing.hpp"
#include "s3/endpoint.hpp"
#include "s3/loop_context.hpp"

namespace raws3 {

namespace detail {
// FileError "<what> '<path>': <strerror(errno)>".
[[noreturn]] inline void throw_file_error(const std::string& what, const std::string& path) {
  throw FileError(what + " '" + path + "': " + std::strerror(errno));
}

}  // namespace detail

struct Client::Impl {
  struct Slot {
    std::unique_ptr<io::LoopThread> thread;
    std::unique_ptr<s3::LoopContext> context;
  };

  explicit Impl(Config c) : config(std::move(c)) {
    auth::ResolveRequest request{config.credentials, config.profile, config.region, config.endpoint_url};
    auth::ResolvedSettings settings = auth::resolve_settings(request);
    endpoint.region = settings.region;
    endpoint.url = settings.endpoint_url.empty() ? s3::aws_endpoint(settings.region)
                                                 : http::parse_url(settings.endpoint_url);
    endpoint_url = settings.endpoint_url.empty()
                       ? endpoint.url.scheme + "://" + endpoint.url.authority()
                       : settings.endpoint_url;
    endpoint.credentials = settings.credentials;
    endpoint.addressing = config.addressing;
    const Tuning& t = config.tuning;
    endpoint.pool = {t.max_conns, io::Millis(t.connect_timeout_ms), io::Millis(t.timeout_ms),
                     std::size_t(t.send_zc_min)};
    endpoint.max_attempts = t.max_attempts;
    if (endpoint.url.tls()) {
      std::string ca = config.ca_bundle;
      if (ca.empty())
        if (const char* env = std::getenv("AWS_CA_BUNDLE")) ca = env;
      endpoint.tls = std::make_unique<io::TlsContext>(io::TlsOptions{config.verify_tls, ca});
    }
    thread_count = t.threads ? t.threads : std::max(1u, std::thread::hardware_concurrency());
  }

  ~Impl() {
    for (Slot& slot : slots) {
      if (!slot.thread) continue;
      // Connections and registered buffers belong to their loop: let it take them down.
      std::promise<void> done;
      slot.thread->loop().post([&] {
        slot.context.reset();
        done.set_value();
      });
      done.get_future().wait();
      slot.thread.reset();
    }
  }

  void start_loops() {
    std::call_once(started, [this] {
      const unsigned file_buffers_per_loop = (config.tuning.get_inflight + thread_count - 1) / thread_count;
      slots.resize(thread_count);
      for (Slot& slot : slots) {
        slot.thread = std::make_unique<io::LoopThread>(engine.backend);
        std::promise<void> ready;
        slot.thread->loop().post([&] {
          try {
            slot.context = std::make_unique<s3::LoopContext>(slot.thread->loop(), endpoint, file_buffers_per_loop);
            ready.set_value();
          } catch (...) {
            ready.set_exception(std::current_exception());
          }
        });
        ready.get_future().get();
      }
      loops_started.store(true, std::memory_order_release);
    });
  }

  // Tells every loop started so far to cancel what it has in flight (LoopContext::observe_cancel); loops
  // that miss it see Endpoint::cancelled on their next request.
  void cancel_loops() {
    if (!loops_started.load(std::memory_order_acquire)) return;
    for (Slot& slot : slots) slot.thread->loop().post([context = slot.context.get()] { context->observe_cancel(); });
  }

  // Every loop's context, the loops started.
  std::vector<s3::LoopContext*> contexts() {
    start_loops();
    std::vector<s3::LoopContext*> all;
    for (const Slot& slot : slots) all.push_back(slot.context.get());
    return all;
  }

  // Runs the task `make(context)` builds on loop `index` (modulo the loop count); without one, on the
  // calling thread's loop when that is one of ours (a completion starting the next call stays where it
  // is), else on the next. done(error, result...) runs on that loop when the task ends: T's value, or none
  // for void.
  template <class T, class Make, class Done>
  void start(Make make, Done done, std::optional<unsigned> index = std::nullopt) {
    start_loops();
    Slot* slot = index ? &slots[*index % slots.size()] : current_slot();
    if (!slot) slot = &slots[next_slot.fetch_add(1, std::memory_order_relaxed) % slots.size()];
    slot->thread->loop().post([make = std::move(make), done = std::move(done), context = slot->context.get()]() mutable {
      if constexpr (std::is_void_v<T>) {
        io::spawn(make(*context), std::move(done));
      } else {
        io::spawn(make(*context), [done = std::move(done)](std::variant<std::monostate, T> value, std::exception_ptr error) {
          done(error, error ? T{} : std::move(std::get<1>(value)));
        });
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

  // The slot whose loop thread this is, if any.
  Slot* current_slot() {
    for (Slot& slot : slots)
      if (slot.thread->loop().on_loop_thread()) return &slot;
    return nullptr;
  }

  Config config;
  // Decided with the Client, before any loop exists: a required engine that is missing fails the constructor.
  io::EngineChoice engine = io::choose_engine(config.tuning.io_engine);
  std::string endpoint_url;
  s3::Endpoint endpoint;
  unsigned thread_count = 1;
  std::once_flag started;
  std::atomic<bool> loops_started{false};
  std::vector<Slot> slots;
  std::atomic<unsigned> next_slot{0};
};

}  // namespace raws3
