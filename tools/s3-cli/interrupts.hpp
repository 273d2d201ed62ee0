// SIGINT and SIGTERM, taken from the default handling (which would kill us with an upload open and a
// temporary file on disk) and delivered to a thread of their own. The first one runs what the command
// asked for — cancel the client, so that what it began is undone; end a benchmark early, so that it
// reports and removes its objects — and the exit code becomes 128 + the signal. A second one ends the
// process at once.
#pragma once

#include <functional>

namespace s3cli {

class Interrupts {
 public:
  // Blocks both signals in the calling thread and starts the thread that waits for them. Call it first in
  // main: threads started later inherit the blocked mask, so no other thread takes the signals.
  static void start();

  // What the first signal does while the returned guard lives; it runs at once if the signal came already.
  // It runs on the signal thread: keep it short and thread-safe.
  class Scope {
   public:
    explicit Scope(std::function<void()> on_interrupt);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
  };

  // What the first signal does when no Scope is open (cancelling the client, once one is built); an empty
  // function clears it before what it refers to goes away.
  static void set_fallback(std::function<void()> on_interrupt);

  // 0, or the first signal that arrived.
  static int received() noexcept;
  // 128 + received(): the exit code of an interrupted run.
  static int exit_code() noexcept;
};

}  // namespace s3cli
