// What s3-cli writes: result lines, one-line errors, the progress line and JSON documents.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace s3cli {

// stdout's reader went away (EPIPE: ls ... | head): the command stops feeding work, lets what runs finish,
// says nothing and ends with SIGPIPE's status, as any writer in a pipeline does.
class StdoutClosed : public std::runtime_error {
 public:
  StdoutClosed() : std::runtime_error("stdout closed") {}
};

// Every write to stdout or stderr goes through here, so that the progress line on stderr is erased before
// a result or error line is printed and never ends up glued to one on a shared terminal.
class Console {
 public:
  static Console& instance();

  // One line on stdout. A failed write throws StdoutClosed once the reader has gone, else raws3::FileError.
  void out(std::string_view line);
  // Lines ("a\nb\n") on stdout, as out() each.
  void out_lines(std::string_view lines);
  // From now on, out() keeps its lines for take_held() instead of writing them: a job's ranks other than 0
  // send theirs to rank 0, the one rank that writes stdout (mpirun's would mix lines of several mid-line).
  void hold_out();
  std::string take_held();
  void err(std::string_view line);  // one line on stderr
  // An error line (on stderr; with --json, a JSON object), counted for the summary.
  void error(std::string_view line);
  std::uint64_t errors_reported() const noexcept { return errors_.load(); }
  // Replaces the progress line on stderr; the caller decides whether stderr is a terminal.
  void status(std::string_view text);
  void clear_status();
  // For writes to stdout made elsewhere (cat's data): records that the reader went away.
  void stdout_closed_by_reader() noexcept { stdout_closed_.store(true); }
  bool stdout_closed() const noexcept { return stdout_closed_.load(); }

 private:
  void erase_status_locked();

  std::mutex mutex_;
  bool status_shown_ = false;
  bool status_used_ = false;  // a progress line is on: result lines must reach the terminal at once
  std::atomic<bool> stdout_closed_{false};
  std::atomic<std::uint64_t> errors_{0};
  bool holding_ = false;
  std::string held_;
  std::string stdout_error_;  // the first failed write's cause, kept: ferror() stays set, errno does not
};

// A JSON document built in order. Strings are escaped per RFC 8259; bytes >= 0x80 pass through, so UTF-8
// keys stay readable.
class Json {
 public:
  Json& begin_object();
  Json& end_object();
  Json& begin_array();
  Json& end_array();
  Json& key(std::string_view name);
  Json& string(std::string_view text);
  Json& number(std::uint64_t n);
  Json& decimal(double x);  // fixed, 6 decimals; NaN and infinities (not JSON) become 0

  const std::string& text() const noexcept { return out_; }

 private:
  void before_value();

  std::string out_;
  bool need_comma_ = false;
  bool after_key_ = false;
};

// One thing a command did: "upload: ./f to s3://b/k".
// The initializers let commands name only the fields they have (-Wmissing-field-initializers).
struct Outcome {
  std::string op{};  // upload, download, copy, move, delete, make_bucket, remove_bucket, abort_upload
  std::string source{};
  std::string destination{};  // empty for delete and the bucket commands
  std::optional<std::uint64_t> size{};
  std::string etag{};
  std::string upload_id{};  // abort_upload
};

// What a mutating command reports, a line per outcome as it happens: awscli's form (none with --quiet), or
// with --json one JSON object per line, and finish()'s summary line {"summary": {"succeeded", "failed",
// "bytes"}}. Nothing is kept: memory is the same for ten objects and ten million. Safe from several threads.
class Results {
 public:
  Results(bool json, bool quiet) : json_(json), quiet_(quiet) {}

  void add(Outcome outcome);
  // What the summary line counts: results added, errors reported, bytes moved.
  struct Totals {
    std::uint64_t succeeded = 0;
    std::uint64_t failed = 0;
    std::uint64_t bytes = 0;
  };
  Totals totals() const;
  // Prints the summary line (with --json); a command calls it once, after partial failures too. A job's
  // rank 0 passes the job's totals and each rank's, which the line lists under "ranks".
  void finish() { finish(totals(), {}); }
  void finish(const Totals& totals, const std::vector<Totals>& ranks);

 private:
  bool json_;
  bool quiet_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> bytes_{0};
};

void append_json_string(std::string& out, std::string_view text);

// "2024-05-01T10:20:30.000Z" → "2024-05-01 10:20:30" (awscli's listing form); anything else unchanged.
std::string listing_time(std::string_view iso8601);

// 1536 → "1.5 KiB".
std::string human_bytes(std::uint64_t n);

}  // namespace s3cli
