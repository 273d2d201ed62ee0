// The event loop, on each engine: every operation moving real bytes, timeouts, cancellation (what
// Client::cancel() and the Client's destruction rely on to stop at once), work posted from other threads
// and from the loop's own (what chains of callback-form calls rely on), and when run() returns.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "io/loop.hpp"
#include "io/task.hpp"

using namespace raws3;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Every engine this machine can run: io_uring only where it can be set up (not under a seccomp profile
// that blocks it, say).
std::vector<io::Backend> engines() {
  std::vector<io::Backend> all;
  if (io::uring_unavailable_reason().empty())
    all.push_back(io::Backend::Uring);
  else
    WARN("io_uring is not tested here: " << io::uring_unavailable_reason());
  all.push_back(io::Backend::Epoll);
  return all;
}

const char* name_of(io::Backend backend) { return backend == io::Backend::Uring ? "io_uring" : "epoll"; }

// An operation's result, checked. co_await stays out of Catch's own macros: under GCC they also name
// their expression in __builtin_constant_p, which awaits the operation a second time.
#define CHECK_RESULT(operation, expected)  \
  do {                                     \
    const int result_ = co_await operation; \
    CHECK(result_ == (expected));          \
  } while (false)

// The test case runs once per engine, each failure naming its engine.
#define ENGINE_UNDER_TEST(backend)                                \
  const io::Backend backend = GENERATE(from_range(engines())); \
  INFO("engine: " << name_of(backend))

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s)); }
std::string text_of(std::span<const std::byte> b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

struct Fds {
  int fd[2] = {-1, -1};
  ~Fds() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
};

Fds socket_pair() {
  Fds p;
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p.fd) == 0);
  return p;
}

Fds pipe_pair() {
  Fds p;
  REQUIRE(::pipe2(p.fd, O_CLOEXEC) == 0);
  return p;
}

// A file of its own under TMPDIR, removed at once: only the descriptor names it.
int temporary_file() {
  std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/raws3-loop-XXXXXX";
  int fd = ::mkstemp(path.data());
  REQUIRE(fd >= 0);
  ::unlink(path.c_str());
  return fd;
}

// Runs the coroutine make(loop) builds on a new loop of `backend`, on this thread, until it ends (and
// everything it left in flight with it); rethrows what it threw.
void run_on(io::Backend backend, const std::function<io::Task<void>(io::Loop&)>& make) {
  io::Loop loop(backend);
  REQUIRE(loop.backend() == backend);
  std::exception_ptr error;
  io::spawn(make(loop), [&](std::exception_ptr e) {
    error = e;
    loop.request_stop();
  });
  loop.run();
  if (error) std::rethrow_exception(error);
}

// ---- every operation --------------------------------------------------------------------------------

io::Task<void> tcp_operations(io::Loop& loop) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 4) == 0);
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);

  const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(client >= 0);
  CHECK_RESULT(loop.connect(client, reinterpret_cast<sockaddr*>(&address), length, 5000ms), 0);
  // The handshake is done: the connection waits in the backlog, and accept() does not block.
  const int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  REQUIRE(server >= 0);

  const std::string request = "GET / HTTP/1.1\r\n\r\n";
  CHECK_RESULT(loop.send(client, bytes_of(request), 5000ms), int(request.size()));
  std::array<std::byte, 64> got{};
  CHECK_RESULT(loop.recv(server, got, 5000ms), int(request.size()));
  CHECK(text_of(std::span(got).first(request.size())) == request);

  // A head and a body in one message, plain and zero-copy (a plain sendmsg where there is no zero copy).
  const std::string head = "HTTP/1.1 200 OK\r\n\r\n", body(100'000, 'b');
  for (bool zero_copy : {false, true}) {
    iovec iov[2] = {{const_cast<char*>(head.data()), head.size()}, {const_cast<char*>(body.data()), body.size()}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    const bool zc = zero_copy && (loop.features().send_zc || loop.backend() == io::Backend::Epoll);
    const int sent = zc ? co_await loop.sendmsg_zc(server, &msg, 5000ms) : co_await loop.sendmsg(server, &msg, 5000ms);
    REQUIRE(sent > int(head.size()));
    std::string received;
    std::vector<std::byte> buffer(1 << 16);
    while (received.size() < std::size_t(sent)) {
      const int n = co_await loop.recv(client, buffer, 5000ms);
      REQUIRE(n > 0);
      received += text_of(std::span(buffer).first(std::size_t(n)));
    }
    CHECK(received == (head + body).substr(0, std::size_t(sent)));
  }

  // A refused connect reports the kernel's error.
  const int refused = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ::close(listener);
  CHECK_RESULT(loop.connect(refused, reinterpret_cast<sockaddr*>(&address), length, 5000ms), -ECONNREFUSED);
  for (int fd : {refused, client, server}) ::close(fd);
}

io::Task<void> file_operations(io::Loop& loop) {
  const int fd = temporary_file();
  const std::string first = "the first line\n", second = "the second line\n";
  CHECK_RESULT(loop.write(fd, bytes_of(first), 0), int(first.size()));
  std::vector<std::byte> room(64);
  CHECK_RESULT(loop.read(fd, room, 0), int(first.size()));
  CHECK(text_of(std::span(room).first(first.size())) == first);

  // Registered buffers where the engine has them; elsewhere the same calls are plain reads and writes.
  std::vector<std::byte> fixed(4096);
  const iovec iov{fixed.data(), fixed.size()};
  const std::optional<int> slot = loop.register_buffers(std::span(&iov, 1));
  CHECK(slot.has_value() == (loop.backend() == io::Backend::Uring && loop.features().read_write_fixed));
  const int index = slot.value_or(0);
  std::memcpy(fixed.data(), second.data(), second.size());
  CHECK_RESULT(loop.write_fixed(fd, std::span(fixed).first(second.size()), first.size(), index), int(second.size()));
  std::memset(fixed.data(), 0, fixed.size());
  CHECK_RESULT(loop.read_fixed(fd, fixed, 0, index), int(first.size() + second.size()));
  CHECK(text_of(std::span(fixed).first(first.size() + second.size())) == first + second);
  if (slot) loop.unregister_buffers(*slot, 1);

  // At the descriptor's own position, as for stdin redirected from a file.
  CHECK(::lseek(fd, 0, SEEK_SET) == 0);
  CHECK_RESULT(loop.read(fd, std::span(room).first(4), io::kCurrentPosition), 4);
  CHECK_RESULT(loop.read(fd, room, io::kCurrentPosition), int(first.size() + second.size() - 4));
  CHECK(text_of(std::span(room).first(first.size() - 4)) == first.substr(4));
  ::close(fd);
}

io::Task<void> sleep_then(io::Loop& loop, io::Millis duration, std::function<void()> then, int& result) {
  result = co_await loop.sleep(duration);
  then();
}

// A pipe read waits for the writer without holding the loop: a sleep ends meanwhile.
io::Task<void> pipe_operations(io::Loop& loop) {
  Fds pipe = pipe_pair();
  const int flags_before = ::fcntl(pipe.fd[0], F_GETFL);
  bool slept = false;
  int sleep_result = 0;
  std::thread writer;
  ssize_t written = 0;
  io::spawn(sleep_then(loop, 20ms, [&] {
    slept = true;
    // Only now does the pipe get bytes.
    writer = std::thread([&written, fd = pipe.fd[1]] { written = ::write(fd, "from the pipe", 13); });
  }, sleep_result), [](std::exception_ptr) {});
  std::array<std::byte, 64> got{};
  const int n = co_await loop.read(pipe.fd[0], got, io::kCurrentPosition);
  writer.join();
  CHECK(written == 13);
  CHECK(slept);
  CHECK(sleep_result == -ETIME);
  REQUIRE(n == 13);
  CHECK(text_of(std::span(got).first(13)) == "from the pipe");
  CHECK(::fcntl(pipe.fd[0], F_GETFL) == flags_before);  // the caller's descriptor is left as it was

  const std::string text = "to the pipe";
  CHECK_RESULT(loop.write(pipe.fd[1], bytes_of(text), io::kCurrentPosition), int(text.size()));
  CHECK(::read(pipe.fd[0], got.data(), got.size()) == ssize_t(text.size()));
  ::close(std::exchange(pipe.fd[1], -1));
  CHECK_RESULT(loop.read(pipe.fd[0], got, io::kCurrentPosition), 0);  // the writer is gone: end of file
}

io::Task<void> timed_operations(io::Loop& loop) {
  Fds pair = socket_pair();
  std::array<std::byte, 16> buf{};
  Clock::time_point started = Clock::now();
  CHECK_RESULT(loop.recv(pair.fd[0], buf, 50ms), -ETIMEDOUT);
  const auto waited = Clock::now() - started;
  CHECK(waited >= 50ms);
  CHECK(waited < 2s);

  // A send into a full socket buffer times out too.
  const std::vector<std::byte> block(1 << 20);
  int n = 0;
  started = Clock::now();
  while ((n = co_await loop.send(pair.fd[0], block, 50ms)) > 0) REQUIRE(Clock::now() - started < 5s);
  CHECK(n == -ETIMEDOUT);

  started = Clock::now();
  CHECK_RESULT(loop.sleep(30ms), -ETIME);
  CHECK(Clock::now() - started >= 30ms);

  // What is ready before its timeout is not touched by it.
  CHECK(::write(pair.fd[1], "x", 1) == 1);
  CHECK_RESULT(loop.recv(pair.fd[0], buf, 50ms), 1);
}

}  // namespace

TEST_CASE("every operation carries its bytes on each engine", "[io]") {
  ENGINE_UNDER_TEST(backend);
  SECTION("tcp: connect, send, recv, sendmsg, sendmsg_zc") { run_on(backend, tcp_operations); }
  SECTION("files: read, write, read_fixed, write_fixed") { run_on(backend, file_operations); }
  SECTION("pipes: reads and writes wait for readiness, not on the loop thread") { run_on(backend, pipe_operations); }
  SECTION("timeouts and sleeps") { run_on(backend, timed_operations); }
}

// ---- 4 GiB at once ----------------------------------------------------------------------------------

namespace {

// A 4 GiB span of address space, no memory behind it until touched.
struct HugeSpan {
  static constexpr std::size_t kSize = std::size_t{4} << 30;
  std::byte* base = nullptr;
  HugeSpan() {
    void* p = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    REQUIRE(p != MAP_FAILED);
    base = static_cast<std::byte*>(p);
  }
  ~HugeSpan() { ::munmap(base, kSize); }
  std::span<std::byte> span() const { return {base, kSize}; }
};

io::Task<void> huge_buffers(io::Loop& loop) {
  HugeSpan huge;
  const std::string text = "a part of 4 GiB gets its bytes";

  const int file = temporary_file();
  REQUIRE(::pwrite(file, text.data(), text.size(), 0) == ssize_t(text.size()));
  CHECK_RESULT(loop.read(file, huge.span(), 0), int(text.size()));
  CHECK(text_of(huge.span().first(text.size())) == text);
  ::close(file);

  Fds pair = socket_pair();
  REQUIRE(::write(pair.fd[1], text.data(), text.size()) == ssize_t(text.size()));
  std::memset(huge.base, 0, text.size());
  CHECK_RESULT(loop.recv(pair.fd[0], huge.span(), 5000ms), int(text.size()));
  CHECK(text_of(huge.span().first(text.size())) == text);

  // The first bytes of a 4 GiB send arrive (as much of it as the socket takes).
  const int sent = co_await loop.send(pair.fd[0], huge.span(), 5000ms);
  REQUIRE(sent >= int(text.size()));
  std::string received(text.size(), '\0');
  CHECK(::recv(pair.fd[1], received.data(), received.size(), MSG_WAITALL) == ssize_t(text.size()));
  CHECK(received == text);

  const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  REQUIRE(null >= 0);
  CHECK_RESULT(loop.write(null, huge.span(), 0), int(io::kMaxTransfer));  // /dev/null takes all it is given
  ::close(null);
}

}  // namespace

TEST_CASE("a 4 GiB buffer is read, received, sent and written, in part", "[io]") {
  ENGINE_UNDER_TEST(backend);
  run_on(backend, huge_buffers);
}

// ---- cancellation -----------------------------------------------------------------------------------

namespace {

struct Results {
  int recv = 1;
  int timed_recv = 1;
  int pipe_read = 1;
  int long_sleep = 1;
  int sleep_after_cancel = 1;
  int resumed = 0;
  bool posted = false;
};

io::Task<void> wait_for_data(io::Loop& loop, int fd, io::Millis timeout, int& result, int& resumed) {
  std::array<std::byte, 16> buf{};
  result = co_await loop.recv(fd, buf, timeout);
  ++resumed;
}

io::Task<void> wait_for_pipe(io::Loop& loop, int fd, int& result, int& resumed) {
  std::array<std::byte, 16> buf{};
  result = co_await loop.read(fd, buf, io::kCurrentPosition);
  ++resumed;
}

io::Task<void> sleep_long(io::Loop& loop, int& result, int& resumed) {
  result = co_await loop.sleep(io::Millis(30'000));
  ++resumed;
}

io::Task<void> cancel_then_sleep(io::Loop& loop, Results& r) {
  co_await loop.sleep(io::Millis(50));  // the others are in flight by now
  loop.cancel_in_flight();
  r.sleep_after_cancel = co_await loop.sleep(io::Millis(20));
  // The wake-up that work posted from elsewhere needs was cancelled too on io_uring: it must have been
  // re-armed.
  std::thread([&] {
    loop.post([&] {
      r.posted = true;
      loop.request_stop();
    });
  }).join();
}

}  // namespace

TEST_CASE("cancel_in_flight ends what is in flight at once, and only that", "[io]") {
  ENGINE_UNDER_TEST(backend);
  Fds sockets = socket_pair(), more_sockets = socket_pair(), pipe = pipe_pair();
  Results r;
  const Clock::time_point started = Clock::now();
  {
    io::Loop loop(backend);
    io::spawn(wait_for_data(loop, sockets.fd[0], io::Millis(0), r.recv, r.resumed), [](std::exception_ptr) {});
    io::spawn(wait_for_data(loop, more_sockets.fd[0], io::Millis(30'000), r.timed_recv, r.resumed),
              [](std::exception_ptr) {});
    io::spawn(wait_for_pipe(loop, pipe.fd[0], r.pipe_read, r.resumed), [](std::exception_ptr) {});
    io::spawn(sleep_long(loop, r.long_sleep, r.resumed), [](std::exception_ptr) {});
    io::spawn(cancel_then_sleep(loop, r), [](std::exception_ptr) {});
    loop.run();
  }
  CHECK(Clock::now() - started < std::chrono::seconds(5));
  CHECK(r.resumed == 4);  // every awaiter, each once
  CHECK(r.recv == -ECANCELED);
  CHECK(r.timed_recv == -ETIMEDOUT);  // an operation with a timeout reports cancellation as its timeout
  CHECK(r.pipe_read == -ECANCELED);
  CHECK(r.long_sleep == -ECANCELED);
  CHECK(r.sleep_after_cancel == -ETIME);  // a timeout that ran its course
  CHECK(r.posted);
}

// ---- posting, and when run() returns ----------------------------------------------------------------

TEST_CASE("work the loop posts to itself runs before it waits again", "[io]") {
  ENGINE_UNDER_TEST(backend);
  io::Loop loop(backend);  // this thread's
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

TEST_CASE("work posted from other threads runs on the loop's thread, all of it", "[io]") {
  ENGINE_UNDER_TEST(backend);
  io::LoopThread thread(backend);
  io::Loop& loop = thread.loop();
  CHECK(loop.backend() == backend);
  constexpr int kThreads = 4, kPosts = 5'000;
  int ran = 0;  // touched on the loop's thread only
  std::atomic<int> off_thread{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t)
    posters.emplace_back([&] {
      for (int i = 0; i < kPosts; ++i)
        loop.post([&] {
          ++ran;
          if (!loop.on_loop_thread()) ++off_thread;
        });
    });
  for (std::thread& p : posters) p.join();
  std::promise<int> counted;
  loop.post([&] { counted.set_value(ran); });
  auto count = counted.get_future();
  REQUIRE(count.wait_for(5s) == std::future_status::ready);
  CHECK(count.get() == kThreads * kPosts);
  CHECK(off_thread == 0);
}

namespace {

io::Task<void> sleep_and_note(io::Loop& loop, io::Millis duration, bool& ended) {
  co_await loop.sleep(duration);
  ended = true;
}

}  // namespace

TEST_CASE("run() returns once stop was asked for and nothing is in flight", "[io]") {
  ENGINE_UNDER_TEST(backend);
  io::Loop loop(backend);
  bool ended = false;
  io::spawn(sleep_and_note(loop, 100ms, ended), [](std::exception_ptr) {});
  const Clock::time_point started = Clock::now();
  std::thread([&] { loop.request_stop(); }).join();
  loop.run();
  CHECK(ended);
  CHECK(Clock::now() - started >= 100ms);
}

TEST_CASE("RAWS3_IO picks the engine; io_uring required where it cannot run is a clear error", "[io]") {
  CHECK(io::choose_engine(IoEngine::Epoll).name == "epoll");
  CHECK(io::choose_engine(IoEngine::Epoll).fallback_reason.empty());
  const std::string& why = io::uring_unavailable_reason();
  const io::EngineChoice automatic = io::choose_engine(IoEngine::Auto);
  if (why.empty()) {
    CHECK(automatic.backend == io::Backend::Uring);
    CHECK(automatic.name == "io_uring");
    CHECK(automatic.fallback_reason.empty());
    CHECK(io::choose_engine(IoEngine::Uring).name == "io_uring");
  } else {
    CHECK(automatic.backend == io::Backend::Epoll);
    CHECK(automatic.fallback_reason == why);
    CHECK_THROWS_WITH(io::choose_engine(IoEngine::Uring), "io_uring unavailable: " + why + " (RAWS3_IO=uring)");
  }
}

TEST_CASE("a loop thread stopped right after its last posted work ran never wakes a destroyed engine", "[io]") {
  // ~LoopSlot's pattern: post work, wait for it, destroy the thread. The loop used to be able to run the
  // stop request, leave and delete itself between request_stop()'s queueing and its wake-up, which then
  // used the freed engine (a crash in Loop::post on the destroying thread; ASan sees it here).
  ENGINE_UNDER_TEST(backend);
  for (int i = 0; i < 2'000; ++i) {
    io::LoopThread thread(backend);
    std::promise<void> ran;
    thread.loop().post([&] { ran.set_value(); });
    ran.get_future().wait();
  }
}
