// The credential cache: when it refreshes, that it never refreshes twice at once, that requests keep the
// snapshot they hold, wait only for credentials that have expired, and never hold their loop meanwhile.
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "io/loop.hpp"
#include "io/task.hpp"
#include "raws3/error.hpp"
#include "s3/credential_cache.hpp"

using namespace raws3;
using namespace raws3::s3;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

using Clock = CredentialCache::Clock;

// What a client here would run on (RAWS3_IO applies, as for a client).
io::Backend loop_backend() { return io::choose_engine(Tuning::from_env().io_engine).backend; }

// A clock the test moves.
struct FakeClock {
  std::atomic<Clock::rep> ticks{Clock::now().time_since_epoch().count()};
  Clock::time_point now() const { return Clock::time_point(Clock::duration(ticks.load())); }
  void advance(Clock::duration d) { ticks += d.count(); }
};

// Hands out credentials "K1", "K2"... expiring `lifetime` after the fake now; can be made to fail, or to
// hold each fetch until the test lets it go.
class FakeProvider final : public auth::CredentialProvider {
 public:
  FakeProvider(FakeClock& clock, Clock::duration lifetime) : CredentialProvider("the fake"), clock_(clock), lifetime_(lifetime) {}

  Credentials fetch(auth::HttpTransport&) override {
    std::unique_lock lock(mutex_);
    ++started_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !hold_; });
    if (fail_) throw ConfigError("the fake is down");
    Credentials c{"K" + std::to_string(++issued_), "S", "T", std::nullopt};
    if (lifetime_ != Clock::duration::max()) c.expiration = clock_.now() + lifetime_;
    if (same_expiration_ && last_expiration_) c.expiration = last_expiration_;
    last_expiration_ = c.expiration;
    return c;
  }

  void hold() {
    std::lock_guard lock(mutex_);
    hold_ = true;
  }
  void release() {
    std::lock_guard lock(mutex_);
    hold_ = false;
    changed_.notify_all();
  }
  void fail(bool yes) {
    std::lock_guard lock(mutex_);
    fail_ = yes;
  }
  void same_expiration(bool yes) {
    std::lock_guard lock(mutex_);
    same_expiration_ = yes;
  }
  // Waits until `n` fetches have started.
  void wait_started(int n) {
    std::unique_lock lock(mutex_);
    REQUIRE(changed_.wait_for(lock, 5s, [&] { return started_ >= n; }));
  }
  int started() {
    std::lock_guard lock(mutex_);
    return started_;
  }

 private:
  FakeClock& clock_;
  Clock::duration lifetime_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool hold_ = false;
  bool fail_ = false;
  bool same_expiration_ = false;
  int started_ = 0;
  int issued_ = 0;
  std::optional<Clock::time_point> last_expiration_;
};

struct Fixture {
  explicit Fixture(Clock::duration lifetime) {
    auto owned = std::make_unique<FakeProvider>(clock, lifetime);
    provider = owned.get();
    cache = std::make_unique<CredentialCache>(std::move(owned), std::make_unique<CredentialTransport>(loop_backend(), io::TlsOptions{}),
                                              [this] { return clock.now(); });
  }
  FakeClock clock;
  FakeProvider* provider;
  std::unique_ptr<CredentialCache> cache;
};

// Waits (a little) for a condition another thread makes true.
template <class Condition>
bool eventually(Condition condition) {
  for (int i = 0; i < 500; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

std::string key_of(const CredentialCache::Snapshot& s) { return s->access_key_id; }

}  // namespace

TEST_CASE("refresh windows scale with the credentials' lifetime", "[cache]") {
  const RefreshWindows hour = RefreshWindows::for_lifetime(1h);
  CHECK(hour.advisory == 15min);
  CHECK(hour.expiry == 1min);
  CHECK(hour.retry == 1min);
  const RefreshWindows short_lived = RefreshWindows::for_lifetime(10s);
  CHECK(short_lived.advisory == 5s);
  CHECK(short_lived.expiry == 1s);
  CHECK(short_lived.retry == 500ms);
  CHECK(RefreshWindows::for_lifetime(-5s).advisory == Clock::duration::zero());
}

TEST_CASE("long-term keys are fetched once", "[cache]") {
  Fixture f(Clock::duration::max());
  const auto first = f.cache->current_blocking();
  f.clock.advance(24h * 365);
  CHECK(f.cache->current_blocking() == first);
  CHECK(f.provider->started() == 1);
}

TEST_CASE("in the refresh window: one background refresh, everybody keeps the old set meanwhile", "[cache]") {
  Fixture f(1h);
  const auto first = f.cache->current_blocking();
  CHECK(key_of(first) == "K1");
  f.clock.advance(44min);  // 16 minutes left: not yet
  CHECK(f.cache->current_blocking() == first);
  CHECK(f.provider->started() == 1);

  f.clock.advance(2min);  // 14 left
  f.provider->hold();
  std::vector<std::thread> callers;
  std::atomic<int> got_old{0};
  for (int i = 0; i < 16; ++i)
    callers.emplace_back([&] {
      for (int j = 0; j < 100; ++j)
        if (f.cache->current_blocking() == first) ++got_old;
    });
  for (auto& t : callers) t.join();
  CHECK(got_old == 1600);         // nobody waited for the refresh
  f.provider->wait_started(2);
  CHECK(f.provider->started() == 2);  // and it ran once
  f.provider->release();
  REQUIRE(eventually([&] { return key_of(f.cache->current_blocking()) == "K2"; }));
  CHECK(first->access_key_id == "K1");  // what a request held is untouched
  CHECK(f.provider->started() == 2);
}

TEST_CASE("a failed background refresh is tried again later; the old set serves meanwhile", "[cache]") {
  Fixture f(1h);
  const auto first = f.cache->current_blocking();
  f.provider->fail(true);
  f.clock.advance(46min);
  CHECK(f.cache->current_blocking() == first);
  f.provider->wait_started(2);
  REQUIRE(eventually([&] { return f.cache->current_blocking() == first; }));
  std::this_thread::sleep_for(50ms);
  CHECK(f.cache->current_blocking() == first);
  CHECK(f.provider->started() == 2);  // not again before the retry window (a minute for a 1 h set)
  f.provider->fail(false);
  f.clock.advance(61s);
  f.cache->current_blocking();
  REQUIRE(eventually([&] { return key_of(f.cache->current_blocking()) == "K2"; }));
}

TEST_CASE("a refresh that brings the same set is nothing newer: the set stays, tried again later", "[cache]") {
  Fixture f(1h);
  f.provider->same_expiration(true);
  const auto first = f.cache->current_blocking();
  f.clock.advance(46min);
  f.cache->current_blocking();
  f.provider->wait_started(2);
  REQUIRE(eventually([&] { return f.cache->current_blocking() == first; }));
  CHECK(f.provider->started() == 2);
  f.clock.advance(30s);
  CHECK(f.cache->current_blocking() == first);
  CHECK(f.provider->started() == 2);
}

TEST_CASE("expired: requests wait for the refresh, and fail with its error naming the source", "[cache]") {
  Fixture f(10s);
  CHECK(key_of(f.cache->current_blocking()) == "K1");
  f.provider->fail(true);
  f.clock.advance(9500ms);  // less than a tenth of the lifetime left: expired for us
  CHECK_THAT([&] {
    try {
      f.cache->current_blocking();
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  }(), Contains("credentials from the fake expired at ") && Contains(" and could not be refreshed: the fake is down"));
  f.provider->fail(false);
  CHECK(key_of(f.cache->current_blocking()) == "K2");
}

TEST_CASE("the first fetch's error is the provider's own", "[cache]") {
  Fixture f(1h);
  f.provider->fail(true);
  CHECK_THROWS_WITH(f.cache->current_blocking(), Equals("the fake is down"));
}

namespace {

io::Task<std::string> sign_once(CredentialCache& cache, io::Loop& loop) {
  CredentialCache::Reader reader(cache, loop);
  const Credentials& credentials = co_await reader.current();
  if (!loop.on_loop_thread()) throw std::logic_error("resumed off its loop");
  co_return credentials.access_key_id;
}

}  // namespace

TEST_CASE("on a loop: the wait for expired credentials leaves the loop free, and resumes on it", "[cache]") {
  Fixture f(10s);
  io::LoopThread thread(loop_backend());
  io::Loop& loop = thread.loop();
  f.cache->current_blocking();
  f.clock.advance(9600ms);
  f.provider->hold();

  std::promise<std::string> signed_with;
  loop.post([&] {
    io::spawn(sign_once(*f.cache, loop), [&](std::variant<std::monostate, std::string> v, std::exception_ptr e) {
      if (e)
        signed_with.set_exception(e);
      else
        signed_with.set_value(std::get<1>(v));
    });
  });
  f.provider->wait_started(2);
  // The request waits, and its loop still runs other work.
  std::promise<void> other;
  loop.post([&] { other.set_value(); });
  CHECK(other.get_future().wait_for(5s) == std::future_status::ready);
  auto result = signed_with.get_future();
  CHECK(result.wait_for(50ms) == std::future_status::timeout);
  f.provider->release();
  REQUIRE(result.wait_for(5s) == std::future_status::ready);
  CHECK(result.get() == "K2");
}

TEST_CASE("on a loop: cancel() fails the waiting requests at once", "[cache]") {
  Fixture f(10s);
  io::LoopThread thread(loop_backend());
  io::Loop& loop = thread.loop();
  f.cache->current_blocking();
  f.clock.advance(9600ms);
  f.provider->hold();
  std::promise<std::string> outcome;
  loop.post([&] {
    io::spawn(sign_once(*f.cache, loop), [&](std::variant<std::monostate, std::string>, std::exception_ptr e) {
      try {
        if (e) std::rethrow_exception(e);
        outcome.set_value("no error");
      } catch (const Cancelled& c) {
        outcome.set_value(std::string("Cancelled: ") + c.what());
      } catch (...) {
        outcome.set_value("another error");
      }
    });
  });
  f.provider->wait_started(2);
  f.cache->cancel();
  auto result = outcome.get_future();
  REQUIRE(result.wait_for(5s) == std::future_status::ready);
  CHECK(result.get() == "Cancelled: cancelled while waiting for credentials");
  f.provider->release();
}
