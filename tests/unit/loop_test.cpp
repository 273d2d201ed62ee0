// The event loop: cancellation (what Client::cancel() relies on to stop a transfer at once), and work posted
// from the loop's own thread (what chains of callback-form calls rely on).
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include "io/loop.hpp"
#include "io/task.hpp"

using namespace raws3;
using Clock = std::chrono::steady_clock;

namespace {

struct Results {
  int recv = 1;
  int long_sleep = 1;
  int sleep_after_cancel = 1;
  bool posted = false;
};

io::Task<void> wait_for_data(io::Loop& loop, int fd, int& result) {
  std::array<std::byte, 16> buf{};
  result = co_await loop.recv(fd, buf, io::Millis(0));
}

io::Task<void> sleep_long(io::Loop& loop, int& result) { result = co_await loop.sleep(io::Millis(30'000)); }

io::Task<void> cancel_then_sleep(io::Loop& loop, Results& r) {
  co_await loop.sleep(io::Millis(50));  // the others are in flight by now
  loop.cancel_in_flight();
  r.sleep_after_cancel = co_await loop.sleep(io::Millis(20));
  // The eventfd read that wakes the loop for work posted from elsewhere was cancelled too: it must have
  // been re-armed.
  std::thread([&] {
    loop.post([&] {
      r.posted = true;
      loop.request_stop();
    });
  }).join();
}

}  // namespace

TEST_CASE("cancel_in_flight ends what is in flight at once, and only that", "[io]") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  Results r;
  const Clock::time_point started = Clock::now();
  {
    io::Loop loop;
    io::spawn(wait_for_data(loop, fds[0], r.recv), [](std::exception_ptr) {});
    io::spawn(sleep_long(loop, r.long_sleep), [](std::exception_ptr) {});
    io::spawn(cancel_then_sleep(loop, r), [](std::exception_ptr) {});
    loop.run();
  }
  CHECK(Clock::now() - started < std::chrono::seconds(5));
  CHECK(r.recv == -ECANCELED);
  CHECK(r.long_sleep == -ECANCELED);
  CHECK(r.sleep_after_cancel == -ETIME);  // a timeout that ran its course
  CHECK(r.posted);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("work the loop posts to itself runs before it waits again", "[io]") {
  io::Loop loop;  // this thread's
  int steps = 0;
  std::function<void()> step = [&] {
    if (++steps < 10'000)
      loop.post(step);
    else
      loop.request_stop();
  };
  loop.post(step);
  // Were such work left waiting for a wake-up that never comes, the watchdog would end the loop instead.
  std::promise<void> ended;
  std::thread watchdog([&loop, done = ended.get_future()] {
    if (done.wait_for(std::chrono::seconds(5)) == std::future_status::timeout) loop.request_stop();
  });
  loop.run();
  ended.set_value();
  watchdog.join();
  CHECK(steps == 10'000);
}
