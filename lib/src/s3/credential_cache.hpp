// The credentials every loop of a client signs with, refreshed before they expire.
//
// Each set of credentials with an Expiration lives L, from its fetch to that time. Like botocore's advisory
// and mandatory refresh windows (15 and 10 minutes, for sets that live an hour or more), but scaled down so
// that sets living seconds (tests, short STS sessions) behave the same way:
//   - once less than min(15 min, L/2) is left, the first request to notice starts a refresh in the
//     background and goes on signing with the current set, as does everybody else meanwhile;
//   - a failed background refresh is kept for the record and tried again min(1 min, L/20) later; so is one
//     that brings nothing newer (instance metadata serves the same set until it rotates it);
//   - once less than min(1 min, L/10) is left the set counts as expired: requests wait for the refresh
//     (without holding their loop), and fail with its error when it fails.
// One refresh at a time, on a thread of its own (providers block: a command, STS, instance metadata).
// A request keeps the snapshot it signed with; a refresh replaces the snapshot, never a set in use.
#pragma once

#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>

#include "auth/credential_provider.hpp"
#include "io/loop.hpp"
#include "raws3/credentials.hpp"
#include "s3/credential_transport.hpp"
#include "s3/logger.hpp"

namespace raws3::s3 {

struct RefreshWindows {
  using Duration = std::chrono::system_clock::duration;
  Duration advisory;  // refresh in the background once this little is left
  Duration expiry;    // expired, for us, once this little is left
  Duration retry;     // between background attempts that brought nothing
  static RefreshWindows for_lifetime(Duration lifetime);
};

class CredentialCache {
  struct State;
  struct Entry;

 public:
  using Clock = std::chrono::system_clock;
  using Snapshot = std::shared_ptr<const Credentials>;
  using Now = std::function<Clock::time_point()>;

  // now: the clock the windows are measured by (tests pass their own); log: where refreshes are reported.
  CredentialCache(std::unique_ptr<auth::CredentialProvider> provider, std::unique_ptr<CredentialTransport> transport,
                  Now now = Clock::now, Logger log = {});
  ~CredentialCache();  // shutdown()
  CredentialCache(const CredentialCache&) = delete;
  CredentialCache& operator=(const CredentialCache&) = delete;

  // One per loop, used on that loop alone: the loop's hold on the current set, so that signing takes no
  // lock and touches no counter other loops write.
  class Reader {
   public:
    Reader(CredentialCache& cache, io::Loop& loop) : state_(*cache.state_), loop_(loop) {}

    // Awaitable: the credentials to sign with now, valid until this loop runs anything else (sign at once).
    // At once while the set is good (starting a background refresh once it is in its refresh window); else
    // when the refresh it waits for ends, resumed on the loop. Throws the refresh's raws3::ConfigError, or
    // raws3::Cancelled after cancel().
    class Current {
     public:
      explicit Current(Reader& reader) : reader_(reader) {}
      bool await_ready();
      bool await_suspend(std::coroutine_handle<> waiter);
      const Credentials& await_resume();

     private:
      friend struct State;
      Reader& reader_;
      std::coroutine_handle<> waiter_;
      std::shared_ptr<const Entry> entry_;  // what the refresh it waited for left
      std::exception_ptr error_;
    };
    Current current() { return Current(*this); }

   private:
    friend struct State;
    State& state_;
    io::Loop& loop_;
    std::shared_ptr<const Entry> entry_;
    std::uint64_t generation_ = 0;  // of entry_; the cache's counts from 1
  };

  // The same, blocking, for a thread that is no loop's: the Client's constructor (whose first fetch makes a
  // source without credentials fail before any request), presign.
  Snapshot current_blocking();

  // Requests waiting for a refresh fail with raws3::Cancelled (Client::cancel); the refresh goes on.
  void cancel();
  // cancel(), the refresh in flight aborted and waited for, and nothing started after: call it while the
  // loops that may wait still run.
  void shutdown();

 private:
  std::shared_ptr<State> state_;
};

}  // namespace raws3::s3
