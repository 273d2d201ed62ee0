#include "s3/credential_cache.hpp"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "raws3/error.hpp"

namespace raws3::s3 {
namespace {

using namespace std::chrono_literals;
using Clock = CredentialCache::Clock;

std::string format_time(Clock::time_point at) {
  const std::time_t seconds = Clock::to_time_t(at);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::int64_t ticks(Clock::time_point at) { return at.time_since_epoch().count(); }

}  // namespace

// One set of credentials and when to look at it again.
struct CredentialCache::Entry {
  Entry(Credentials c, Clock::time_point fetched) : credentials(std::make_shared<const Credentials>(std::move(c))) {
    if (!credentials->expiration) return;  // long-term keys: never looked at again
    const Clock::time_point expiration = *credentials->expiration;
    const RefreshWindows windows = RefreshWindows::for_lifetime(expiration - fetched);
    refresh_at = expiration - windows.advisory;
    expired_at = expiration - windows.expiry;
    retry = windows.retry;
    quiet_until.store(ticks(refresh_at), std::memory_order_relaxed);
  }

  CredentialCache::Snapshot credentials;
  Clock::time_point refresh_at = Clock::time_point::max();
  Clock::time_point expired_at = Clock::time_point::max();
  Clock::duration retry{};
  // Until then a request signs with it without a look at anything else: the refresh window's start, or,
  // once a refresh runs or has failed, the next moment there is something to do.
  mutable std::atomic<std::int64_t> quiet_until{ticks(Clock::time_point::max())};
};

RefreshWindows RefreshWindows::for_lifetime(Duration lifetime) {
  lifetime = std::max(lifetime, Clock::duration::zero());
  return {std::min<Clock::duration>(15min, lifetime / 2), std::min<Clock::duration>(1min, lifetime / 10),
          std::min<Clock::duration>(1min, lifetime / 20)};
}

struct CredentialCache::State : std::enable_shared_from_this<State> {
  State(std::unique_ptr<auth::CredentialProvider> p, std::unique_ptr<CredentialTransport> t, Now n, Logger l)
      : provider(std::move(p)), transport(std::move(t)), now(std::move(n)), log(std::move(l)) {}

  std::unique_ptr<auth::CredentialProvider> provider;
  std::unique_ptr<CredentialTransport> transport;
  const Now now;
  const Logger log;
  std::atomic<std::shared_ptr<const Entry>> entry;
  std::atomic<std::uint64_t> generation{1};  // bumped whenever entry changes: readers' copies go stale

  std::mutex mutex;  // guards everything below
  std::condition_variable refreshed;
  bool refreshing = false;
  bool stopped = false;
  // The refresh running, or the last one (done, or letting go of the lock): joined before the next starts
  // and at shutdown, so that no thread of the cache outlives it, even by its last instructions.
  std::thread worker;
  std::uint64_t refreshes = 0;           // ended so far, for blocking waiters
  std::exception_ptr failure;            // of the last refresh, until one succeeds
  Clock::time_point next_attempt{};      // no background refresh before then
  std::vector<Reader::Current*> waiters;

  // What a refresh brought, for the client's log: Warn when it failed while the set in use still serves
  // (no request reports that failure), Info when it replaced a set.
  void note(const std::shared_ptr<const Entry>& fresh, const std::exception_ptr& error, bool replaced,
            bool absorbed) const {
    if (error && absorbed && log.enabled(LogLevel::Warn)) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log.write(LogLevel::Warn, "credentials refresh from " + provider->source() + " failed: " + e.what() +
                                      " (the current ones serve until they expire)");
      }
    } else if (replaced && log.enabled(LogLevel::Info)) {
      const auto& expiration = fresh->credentials->expiration;
      log.write(LogLevel::Info, "credentials from " + provider->source() + " refreshed" +
                                    (expiration ? ", valid until " + format_time(*expiration) : ""));
    }
  }

  // With the lock held: the entry to sign with now, starting a refresh when it is due. Null when requests
  // have to wait for one.
  std::shared_ptr<const Entry> usable_locked(Clock::time_point at) {
    std::shared_ptr<const Entry> current = entry.load();
    const bool good = current && at < current->expired_at;
    if (!refreshing && !stopped && (!good || (at >= current->refresh_at && at >= next_attempt))) start_locked(current);
    return good ? current : nullptr;
  }

  void start_locked(const std::shared_ptr<const Entry>& current) {
    refreshing = true;
    try {
      if (worker.joinable()) worker.join();
      worker = std::thread([self = shared_from_this()] { self->refresh(); });
    } catch (...) {
      refreshing = false;  // no thread: the next request tries again
      throw;
    }
    // Nobody need look again until this refresh ends (it needs the lock we hold, then resets this) or the
    // entry expires.
    if (current) current->quiet_until.store(ticks(current->expired_at), std::memory_order_relaxed);
  }

  void refresh() {
    std::shared_ptr<const Entry> fresh;
    std::exception_ptr error;
    try {
      Credentials credentials = provider->fetch(*transport);
      const Clock::time_point at = now();
      if (credentials.expiration && *credentials.expiration <= at)
        throw ConfigError(provider->source() + " returned credentials that expired at " +
                          format_time(*credentials.expiration));
      fresh = std::make_shared<const Entry>(std::move(credentials), at);
    } catch (...) {
      error = std::current_exception();
    }

    std::lock_guard lock(mutex);
    const Clock::time_point at = now();
    const std::shared_ptr<const Entry> current = entry.load();
    // Instance metadata hands out the same set until shortly before it expires: not newer is not a change.
    const bool newer = fresh && (!current || !current->credentials->expiration ||
                                 !fresh->credentials->expiration ||
                                 *fresh->credentials->expiration > *current->credentials->expiration);
    note(fresh, error, newer && current, current && at < current->expired_at);
    if (newer) {
      entry.store(fresh);
      generation.fetch_add(1, std::memory_order_release);
      failure = nullptr;
      next_attempt = {};
    } else {
      // While the set in use is good, a failure only goes into the error should that set expire unrefreshed.
      if (error) failure = error;
      if (current) {
        next_attempt = at + current->retry;
        current->quiet_until.store(ticks(std::min(next_attempt, current->expired_at)), std::memory_order_relaxed);
      }
    }
    refreshing = false;
    ++refreshes;
    std::shared_ptr<const Entry> now_usable = entry.load();
    if (now_usable && at >= now_usable->expired_at) now_usable = nullptr;
    for (Reader::Current* waiter : std::exchange(waiters, {})) {
      if (now_usable)
        waiter->entry_ = now_usable;
      else
        waiter->error_ = expired_error_locked(current, error);
      waiter->reader_.loop_.post([h = waiter->waiter_] { h.resume(); });
    }
    refreshed.notify_all();
  }

  // Why there is nothing to sign with: the fetch's own error the first time, else that the set expired.
  std::exception_ptr expired_error_locked(const std::shared_ptr<const Entry>& current, std::exception_ptr error) const {
    if (!error) error = failure;
    if (!current) return error;
    std::string cause = "no newer ones came";
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const Cancelled&) {
        return error;
      } catch (const std::exception& e) {
        cause = e.what();
      }
    }
    return std::make_exception_ptr(ConfigError("credentials from " + provider->source() + " expired at " +
                                               format_time(*current->credentials->expiration) +
                                               " and could not be refreshed: " + cause));
  }

  void fail_waiters_locked() {
    for (Reader::Current* waiter : std::exchange(waiters, {})) {
      waiter->error_ = std::make_exception_ptr(Cancelled("cancelled while waiting for credentials"));
      waiter->reader_.loop_.post([h = waiter->waiter_] { h.resume(); });
    }
  }
};

bool CredentialCache::Reader::Current::await_ready() {
  Reader& r = reader_;
  return r.entry_ && r.generation_ == r.state_.generation.load(std::memory_order_acquire) &&
         ticks(r.state_.now()) < r.entry_->quiet_until.load(std::memory_order_relaxed);
}

bool CredentialCache::Reader::Current::await_suspend(std::coroutine_handle<> waiter) {
  State& state = reader_.state_;
  std::lock_guard lock(state.mutex);
  if (state.stopped) {
    error_ = std::make_exception_ptr(Cancelled("the client is stopping"));
    return false;
  }
  if ((entry_ = state.usable_locked(state.now()))) return false;
  waiter_ = waiter;
  state.waiters.push_back(this);
  return true;
}

const Credentials& CredentialCache::Reader::Current::await_resume() {
  if (error_) std::rethrow_exception(error_);
  Reader& r = reader_;
  if (entry_ && entry_ != r.entry_) {
    // Read before the entry: a refresh after it shows as a newer generation, never an older one.
    r.generation_ = r.state_.generation.load(std::memory_order_acquire);
    r.entry_ = std::move(entry_);
    if (r.entry_ != r.state_.entry.load()) r.generation_ = 0;  // replaced meanwhile: look again next time
  }
  return *r.entry_->credentials;
}

CredentialCache::CredentialCache(std::unique_ptr<auth::CredentialProvider> provider,
                                 std::unique_ptr<CredentialTransport> transport, Now now, Logger log)
    : state_(std::make_shared<State>(std::move(provider), std::move(transport), std::move(now), std::move(log))) {}

CredentialCache::~CredentialCache() { shutdown(); }

CredentialCache::Snapshot CredentialCache::current_blocking() {
  std::unique_lock lock(state_->mutex);
  if (state_->stopped) throw Cancelled("the client is stopping");
  if (const auto usable = state_->usable_locked(state_->now())) return usable->credentials;
  const std::uint64_t before = state_->refreshes;
  state_->refreshed.wait(lock, [&] { return state_->refreshes != before || state_->stopped; });
  if (state_->stopped) throw Cancelled("the client is stopping");
  const Clock::time_point at = state_->now();
  const std::shared_ptr<const Entry> current = state_->entry.load();
  if (current && at < current->expired_at) return current->credentials;
  std::rethrow_exception(state_->expired_error_locked(current, nullptr));
}

void CredentialCache::cancel() {
  std::lock_guard lock(state_->mutex);
  state_->fail_waiters_locked();
}

void CredentialCache::shutdown() {
  std::unique_lock lock(state_->mutex);
  state_->stopped = true;
  state_->fail_waiters_locked();
  state_->refreshed.notify_all();
  state_->transport->abort();
  state_->refreshed.wait(lock, [&] { return !state_->refreshing; });
  std::thread last = std::move(state_->worker);
  lock.unlock();
  if (last.joinable()) last.join();
}

}  // namespace raws3::s3
