#include "auth/credential_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <system_error>
#include <utility>

#include "auth/credential_document.hpp"
#include "io/file_descriptor.hpp"
#include "raws3/error.hpp"

extern char** environ;

namespace raws3::auth {
namespace {

using Clock = std::chrono::system_clock;

// Far more than any credentials document; a runaway command must not fill our memory.
constexpr std::size_t kMaxStdout = 1 << 20;
// Only the last line of stderr goes into an error message.
constexpr std::size_t kMaxStderr = 4096;

[[noreturn]] void fail(std::string_view command, std::string_view what) {
  throw ConfigError("credential_process \"" + std::string(command) + "\" " + std::string(what));
}

std::string error_text(int error) { return std::error_code(error, std::generic_category()).message(); }

// --- The child process ----------------------------------------------------------------------------------

using io::FileDescriptor;

struct Pipe {
  FileDescriptor read;
  FileDescriptor write;
};

Pipe make_pipe(std::string_view command) {
  int fds[2];
  // Close-on-exec, so that a process another thread starts meanwhile does not hold our write end open.
  if (::pipe2(fds, O_CLOEXEC) != 0) fail(command, "cannot be started: pipe: " + error_text(errno));
  return {FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

// The child's stdin, stdout, stderr and signal state.
class SpawnSetup {
 public:
  SpawnSetup() noexcept {
    ::posix_spawn_file_actions_init(&actions_);
    ::posix_spawnattr_init(&attributes_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    ::posix_spawnattr_destroy(&attributes_);
    ::posix_spawn_file_actions_destroy(&actions_);
  }

  // Returns 0 or an errno value.
  int prepare(int stdout_fd, int stderr_fd) noexcept {
    // The caller may ignore SIGPIPE or block signals in its threads; a shell script expects neither (Python's
    // subprocess, which awscli uses, restores them too).
    sigset_t none;
    sigset_t pipe_signal;
    ::sigemptyset(&none);
    ::sigemptyset(&pipe_signal);
    ::sigaddset(&pipe_signal, SIGPIPE);
    int rc = ::posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(&actions_, stdout_fd, STDOUT_FILENO);
    if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(&actions_, stderr_fd, STDERR_FILENO);
    if (rc == 0) rc = ::posix_spawnattr_setsigmask(&attributes_, &none);
    if (rc == 0) rc = ::posix_spawnattr_setsigdefault(&attributes_, &pipe_signal);
    if (rc == 0)
      rc = ::posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    return rc;
  }

  const posix_spawn_file_actions_t* actions() const noexcept { return &actions_; }
  const posix_spawnattr_t* attributes() const noexcept { return &attributes_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attributes_;
};

// Reaps the child on every way out of run_credential_process, killing it first if it still runs.
class Child {
 public:
  explicit Child(pid_t pid) noexcept : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }

  // The wait status. Were SIGCHLD ignored, the kernel reaps the child itself and the status reads as a
  // success: the output is then the judge.
  int wait() noexcept {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

pid_t spawn_shell(const std::string& command, int stdout_fd, int stderr_fd) {
  SpawnSetup setup;
  char sh[] = "sh";
  char dash_c[] = "-c";
  std::string command_line = command;
  char* argv[] = {sh, dash_c, command_line.data(), nullptr};
  pid_t pid = -1;
  int rc = setup.prepare(stdout_fd, stderr_fd);
  if (rc == 0) rc = ::posix_spawn(&pid, "/bin/sh", setup.actions(), setup.attributes(), argv, environ);
  if (rc != 0) fail(command, "cannot be started: /bin/sh: " + error_text(rc));
  return pid;
}

struct Output {
  std::string out;
  std::string err;  // its last kMaxStderr bytes
};

// Reads both pipes until both are closed, or throws once stdout passes kMaxStdout.
Output collect(const std::string& command, const FileDescriptor& stdout_pipe, const FileDescriptor& stderr_pipe) {
  Output output;
  pollfd fds[2] = {{stdout_pipe.get(), POLLIN, 0}, {stderr_pipe.get(), POLLIN, 0}};
  char buffer[16384];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fail(command, "cannot be read: poll: " + error_text(errno));
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;  // poll skips a negative descriptor
        continue;
      }
      std::string& sink = i == 0 ? output.out : output.err;
      sink.append(buffer, static_cast<std::size_t>(n));
      if (output.out.size() > kMaxStdout)
        fail(command, "printed more than " + std::to_string(kMaxStdout) + " bytes");
      if (output.err.size() > kMaxStderr) output.err.erase(0, output.err.size() - kMaxStderr);
    }
  }
  return output;
}

std::string last_line(std::string_view text) {
  constexpr std::string_view kBlank = " \t\r\n";
  const auto end = text.find_last_not_of(kBlank);
  if (end == std::string_view::npos) return {};
  text = text.substr(0, end + 1);
  const auto start = text.find_last_of('\n');
  text = text.substr(start == std::string_view::npos ? 0 : start + 1);
  return std::string(text.substr(text.find_first_not_of(kBlank)));
}

std::string describe_failure(int status, std::string_view stderr_text) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  std::string what = "exited with status " + std::to_string(WEXITSTATUS(status));
  if (const auto line = last_line(stderr_text); !line.empty()) what += ": " + line;
  return what;
}

}  // namespace

Credentials parse_credential_process_output(std::string_view json, std::string_view command,
                                            std::chrono::system_clock::time_point now) {
  const CredentialDocument doc(json, "credential_process \"" + std::string(command) + "\"", "printed");
  if (doc.integer("Version") != 1) doc.fail("did not print \"Version\": 1, the only format there is");
  return doc.credentials("SessionToken", false, false, now);
}

Credentials run_credential_process(const std::string& command) {
  Pipe out = make_pipe(command);
  Pipe err = make_pipe(command);
  Child child(spawn_shell(command, out.write.get(), err.write.get()));
  // Only the child may hold the write ends now, or the reads below never see the end of the output.
  out.write.reset();
  err.write.reset();
  const Output output = collect(command, out.read, err.read);
  const int status = child.wait();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail(command, describe_failure(status, output.err));
  return parse_credential_process_output(output.out, command, Clock::now());
}

}  // namespace raws3::auth
