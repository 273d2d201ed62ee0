#include "interrupts.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "output.hpp"

namespace s3cli {
namespace {

std::atomic<int> first_signal{0};
std::mutex handlers_mutex;
std::function<void()> scoped_handler;
std::function<void()> fallback_handler;

sigset_t interrupt_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

void on_signal(int signo) {
  if (first_signal.exchange(signo) != 0) _exit(128 + signo);  // the second: the user means it
  std::lock_guard lock(handlers_mutex);
  const std::function<void()>& handler = scoped_handler ? scoped_handler : fallback_handler;
  if (!handler) _exit(128 + signo);  // nothing under way that needs undoing
  Console::instance().err(std::string("s3-cli: interrupted by SIG") + sigabbrev_np(signo) +
                          ": cleaning up (again to quit at once)");
  handler();
}

// Runs fn now if a signal came already, else makes it the handler (an empty fn clears the slot).
void install(std::function<void()>& slot, std::function<void()> fn) {
  std::lock_guard lock(handlers_mutex);
  if (fn && first_signal.load() != 0) {
    fn();
    return;
  }
  slot = std::move(fn);
}

}  // namespace

void Interrupts::start() {
  const sigset_t set = interrupt_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    for (;;) {
      int signo = 0;
      if (sigwait(&set, &signo) == 0) on_signal(signo);
    }
  }).detach();
}

Interrupts::Scope::Scope(std::function<void()> on_interrupt) { install(scoped_handler, std::move(on_interrupt)); }

Interrupts::Scope::~Scope() {
  std::lock_guard lock(handlers_mutex);
  scoped_handler = nullptr;
}

void Interrupts::set_fallback(std::function<void()> on_interrupt) { install(fallback_handler, std::move(on_interrupt)); }

int Interrupts::received() noexcept { return first_signal.load(); }

int Interrupts::exit_code() noexcept { return 128 + received(); }

}  // namespace s3cli
