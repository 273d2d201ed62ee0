// s3-cli: the command line over librawS3. Exit codes: 0 success, 1 a failure (one line on stderr), 2 a
// usage error, 128 + the signal after SIGINT or SIGTERM (130, 143).
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "context.hpp"
#include "interrupts.hpp"
#include "selection_options.hpp"

namespace {

using s3cli::Context;

struct Command {
  CLI::App* app;
  std::function<int(Context&)> run;
};

// CLI11's Range prints a double bound with six decimals ("0.000000 to 4294967.000000"); this one says its
// bounds as people write them.
CLI::Validator between(double low, double high) {
  auto text = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", x);
    return std::string(buf);
  };
  const std::string range = text(low) + " to " + text(high);
  return CLI::Validator(
      [=](std::string& value) -> std::string {
        double x = 0;
        if (!CLI::detail::lexical_cast(value, x)) return "\"" + value + "\" is not a number";
        if (x < low || x > high) return "Value " + value + " not in range " + range;
        return {};
      },
      "NUMBER in " + range);
}

void add_global_options(CLI::App& app, s3cli::GlobalOptions& g) {
  app.add_option("--endpoint-url", g.endpoint_url,
                 "S3 endpoint (else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile, AWS S3)");
  app.add_option("--blob-endpoint", g.blob_endpoint,
                 "Azure Blob endpoint for az:// (else the connection string's BlobEndpoint, else the account's in "
                 "Azure)");
  app.add_option("--region", g.region, "Region (else AWS_REGION, AWS_DEFAULT_REGION, the profile, us-east-1)");
  app.add_option("--profile", g.profile, "Profile of the shared config files (else AWS_PROFILE)");
  app.add_option("--addressing", g.addressing, "Bucket in the path or the host name")
      ->check(CLI::IsMember({"auto", "path", "virtual"}));
  app.add_option("--ca-bundle", g.ca_bundle, "CA certificates (PEM) to trust (else AWS_CA_BUNDLE)");
  app.add_flag("--no-verify-ssl", g.no_verify_ssl, "Do not verify TLS certificates");
  app.add_flag("--no-sign-request", g.no_sign_request, "Send unsigned requests (public buckets); look for no credentials");
  app.add_flag("--json", g.json, "Machine-readable output");
  app.add_flag("-q,--quiet", g.quiet, "No result lines, no progress");
  app.add_flag("--no-progress", g.no_progress, "No progress line");
  // The library refuses more than 16 loops a core (each holds a ring, buffers and descriptors).
  const unsigned most_threads = 16 * std::max(1u, std::thread::hardware_concurrency());
  app.add_option("--threads", g.threads, "Event loops; 0 = one per core (RAWS3_THREADS)")
      ->check(CLI::Range(0u, most_threads));
  app.add_option("--max-conns", g.max_conns, "Connections per loop and endpoint (RAWS3_MAX_CONNS)")
      ->check(CLI::Range(1u, 4096u));
  app.add_option("--part-size", g.part_size, "Part size of GET ranges and PUT parts, e.g. 8MiB (uploads: 5MiB to 5GiB)");
  app.add_option("--inflight", g.inflight, "Parts in flight per GET or PUT")->check(CLI::Range(1u, 4096u));
  app.add_option("--concurrency", g.concurrency, "Objects in flight in cp -r (RAWS3_TRANSFERS, default 64)")
      ->check(CLI::Range(1u, 4096u));
  app.add_option("--checksum", g.checksum,
                 "What uploads carry for the server to verify: crc32c (x-amz-checksum-crc32c), md5 (Content-MD5), none")
      ->check(CLI::IsMember({"crc32c", "md5", "none"}));
  app.add_option("--checksum-mode", g.checksum_mode,
                 "Downloads checked against the server's checksum: off, when-available (default), required "
                 "(RAWS3_CHECKSUM_MODE)")
      ->check(CLI::IsMember({"off", "when-available", "required"}));
  app.add_option("--page-size", g.page_size, "Keys per listing request of ls, rm -r and cp -r")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  app.add_flag("--debug", g.debug, "A line on stderr per request attempt (else RAWS3_LOG=debug|info|warn|error|off)");
  // The library counts milliseconds in an unsigned: at most 4294967 s (49 days).
  app.add_option("--cli-connect-timeout", g.connect_timeout,
                 "Seconds a connection may take to open; 0 = no limit (RAWS3_CONNECT_TIMEOUT_MS)")
      ->check(between(0, 4294967));
  app.add_option("--cli-read-timeout", g.read_timeout,
                 "Seconds a request may go without progress; 0 = no limit (RAWS3_TIMEOUT_MS)")
      ->check(between(0, 4294967));
}

void add_bench_options(CLI::App& sub, s3cli::BenchArgs& b) {
  sub.add_option("OP", b.op,
                 "put, get, stat, delete, list, multipart (each object one multipart upload of --part-size "
                 "parts; every upload holds (--inflight + 1) parts of memory), or mixed (get/put/delete/stat "
                 "by --*-distrib)")
      ->required()
      ->check(CLI::IsMember({"put", "get", "stat", "delete", "list", "multipart", "mixed"}));
  sub.add_option("--bucket", b.bucket, "Bucket to load (it must exist)")->required();
  sub.add_option("--prefix", b.prefix, "Prefix of every key the run creates (else s3-cli-bench-<random>/)");
  sub.add_option("--concurrent", b.concurrent, "Operations in flight (under mpirun: in all, shared out over the ranks)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 4096u));
  sub.add_option("--obj.size", b.object_size, "Object size, e.g. 64KiB, 8MiB, 1GiB")->capture_default_str();
  sub.add_option("--objects", b.objects,
                 "Objects uploaded before get, stat, delete, list and mixed (under mpirun: in all)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100'000'000u));
  sub.add_option("--duration", b.duration, "How long to run, e.g. 30s, 2m")->capture_default_str();
  sub.add_option("--warmup", b.warmup, "First part of the run left out of the report")->capture_default_str();
  sub.add_flag("--autoterm", b.autoterm, "Stop early once throughput is steady (see --autoterm.*)");
  sub.add_option("--autoterm.window", b.autoterm_window, "Seconds whose throughput must agree")->capture_default_str();
  sub.add_option("--autoterm.pct", b.autoterm_percent, "Largest spread (max - min) in % of their mean")
      ->capture_default_str()
      ->check(between(0.1, 1000));
  sub.add_flag("--keep", b.keep, "Leave the objects the run created");
  sub.add_option("--csv", b.csv, "Write every operation (start, end, bytes, ttfb, status, rank) to this file");
  sub.add_flag("--mpi", b.mpi,
               "Run as the ranks of an MPI job, which is automatic under mpirun; rank 0 reports the merged figures, "
               "--endpoint-url may list several endpoints (a,b,...) to spread over the ranks");
  sub.add_option("--get-distrib", b.get_distrib, "mixed: weight of GET")->capture_default_str();
  sub.add_option("--put-distrib", b.put_distrib, "mixed: weight of PUT")->capture_default_str();
  sub.add_option("--delete-distrib", b.delete_distrib, "mixed: weight of DELETE")->capture_default_str();
  sub.add_option("--stat-distrib", b.stat_distrib, "mixed: weight of HEAD")->capture_default_str();
}

std::vector<Command> add_commands(CLI::App& app, s3cli::TargetArgs& target, s3cli::TransferArgs& transfer,
                                  s3cli::SyncArgs& sync, s3cli::Selection& selection, s3cli::BucketArgs& bucket,
                                  s3cli::UploadsArgs& uploads, s3cli::BatchArgs& batch, s3cli::PresignArgs& presign,
                                  s3cli::BenchArgs& bench) {
  std::vector<Command> commands;
  auto add = [&](const char* name, const char* help, std::function<int(Context&)> run) {
    CLI::App* sub = app.add_subcommand(name, help);
    commands.push_back({sub, std::move(run)});
    return sub;
  };
  auto recursive = [&](CLI::App* sub, bool& flag, const char* help) { sub->add_flag("-r,--recursive", flag, help); };
  auto object_options = [&](CLI::App* sub, s3cli::TransferArgs& attributes) {
    sub->add_option("--content-type", attributes.content_type,
                    "Content-Type of the objects created (else guessed from each file's name)");
    sub->add_flag("--no-guess-mime-type", attributes.no_guess_mime_type, "Do not guess uploads' Content-Type");
    sub->add_option("--metadata", attributes.metadata, "KEY=VALUE stored as x-amz-meta-KEY (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--storage-class", attributes.storage_class, "x-amz-storage-class: STANDARD, STANDARD_IA, ...");
    sub->add_option("--cache-control", attributes.cache_control, "Cache-Control stored with the objects");
    sub->add_option("--content-encoding", attributes.content_encoding, "Content-Encoding stored with the objects");
    sub->add_option("--metadata-directive", attributes.metadata_directive,
                    "Copies within S3: COPY keeps the source's type and metadata (default), REPLACE takes the flags'")
        ->check(CLI::IsMember({"COPY", "REPLACE"}));
  };

  auto* ls = add("ls", "List buckets, or the objects under s3://bucket[/prefix]",
                 [&](Context& c) { return s3cli::run_ls(c, target, selection); });
  ls->add_option("URL", target.url, "s3://bucket[/prefix], or a wildcard: s3://bucket/logs/*.gz");
  recursive(ls, target.recursive, "List every key under the prefix, not one level");
  ls->add_flag("--human-readable", target.human_readable, "Sizes as 1.5 KiB, 3.2 GiB");
  ls->add_flag("--summarize", target.summarize, "End with the number of objects and their total size");
  s3cli::add_selection_options(ls, selection, true, false, false);

  auto* du = add("du", "Count the objects under s3://bucket[/prefix], or those a wildcard selects, and their size",
                 [&](Context& c) { return s3cli::run_du(c, target, selection); });
  du->add_option("URL", target.url, "s3://bucket[/prefix], or a wildcard: s3://bucket/logs/*.gz")->required();
  du->add_flag("-H,--human-readable", target.human_readable, "The size as 1.5 KiB, 3.2 GiB");
  s3cli::add_selection_options(du, selection, true, false, false);

  add("mb", "Make a bucket", [&](Context& c) { return s3cli::run_mb(c, target); })
      ->add_option("URL", target.url, "s3://bucket")
      ->required();
  auto* rb = add("rb", "Remove a bucket (--force: with everything in it)",
                 [&](Context& c) { return s3cli::run_rb(c, bucket); });
  rb->add_option("URL", bucket.url, "s3://bucket")->required();
  rb->add_flag("--force", bucket.force, "Delete every object and abort every open upload first");

  auto* up = add("uploads", "List or abort the open multipart uploads under s3://bucket[/prefix]",
                 [&](Context& c) { return s3cli::run_uploads(c, uploads); });
  up->add_option("ACTION", uploads.action, "ls or abort")->required()->check(CLI::IsMember({"ls", "abort"}));
  up->add_option("URL", uploads.url, "s3://bucket[/prefix]")->required();
  up->add_option("--older-than", uploads.older_than, "Only uploads begun longer ago than this, e.g. 7d, 12h");

  auto* get = add("get", "Download an object to a file, a directory or - (stdout)",
                  [&](Context& c) { return s3cli::run_get(c, transfer); });
  get->add_option("SRC", transfer.source, "s3://bucket/key")->required();
  get->add_option("DEST", transfer.destination, "File, directory or -")->required();

  auto* put = add("put", "Upload a file or - (stdin)", [&](Context& c) { return s3cli::run_put(c, transfer); });
  put->add_option("SRC", transfer.source, "File or -")->required();
  put->add_option("DEST", transfer.destination, "s3://bucket/key (a key ending in / gets the file name)")
      ->required();
  object_options(put, transfer);

  auto* cp = add("cp", "Copy between local paths, file:// and s3:// in any direction",
                 [&](Context& c) { return s3cli::run_cp(c, transfer, selection); });
  cp->add_option("SRC", transfer.source, "s3://bucket/key, file:///path, a path, - or a wildcard ('*', '?', '**')")
      ->required();
  cp->add_option("DEST", transfer.destination, "s3://bucket/key, file:///path, a path or -")->required();
  recursive(cp, transfer.recursive, "Copy a directory or a prefix");
  object_options(cp, transfer);
  s3cli::add_selection_options(cp, selection, true, true, true);

  auto* mv = add("mv", "Move: copy, verify the copy, then remove the source (local <-> s3, s3 -> s3)",
                 [&](Context& c) { return s3cli::run_mv(c, transfer, selection); });
  mv->add_option("SRC", transfer.source, "s3://bucket/key, a path, or a wildcard")->required();
  mv->add_option("DEST", transfer.destination, "s3://bucket/key or a path")->required();
  recursive(mv, transfer.recursive, "Move a directory or a prefix");
  object_options(mv, transfer);
  s3cli::add_selection_options(mv, selection, true, true, true);

  auto* sy = add("sync", "Copy what DEST lacks or holds older or at another size (local <-> s3, s3 -> s3)",
                 [&](Context& c) { return s3cli::run_sync(c, sync, selection); });
  sy->add_option("SRC", sync.transfer.source, "s3://bucket[/prefix], file:///path or a directory")->required();
  sy->add_option("DEST", sync.transfer.destination, "s3://bucket[/prefix], file:///path or a directory")->required();
  sy->add_flag("--delete", sync.delete_extra, "Remove what only DEST has, once every copy succeeded");
  sy->add_flag("--dryrun", sync.dryrun, "Print what would be done; change nothing");
  auto* size_only = sy->add_flag("--size-only", sync.size_only, "Compare sizes only, not times");
  auto* exact = sy->add_flag("--exact-timestamps", sync.exact_timestamps,
                             "Downloads: copy a same-size object whose time differs from the file's at all");
  sy->add_flag("--checksum", sync.checksum,
               "Compare same-size files and objects by the CRC32C the server stored, not by time "
               "(an object without one is copied)")
      ->excludes(size_only)
      ->excludes(exact);
  object_options(sy, sync.transfer);
  s3cli::add_selection_options(sy, selection, false, true, true);

  auto* rm = add("rm", "Delete an object, every object under a prefix, or those a wildcard selects",
                 [&](Context& c) { return s3cli::run_rm(c, target, selection); });
  rm->add_option("URL", target.url, "s3://bucket/key, or a wildcard: s3://bucket/tmp/*.log")->required();
  recursive(rm, target.recursive, "Delete every key under the prefix");
  s3cli::add_selection_options(rm, selection, true, true, false);

  add("stat", "Show an object's size, ETag, date, type and metadata",
      [&](Context& c) { return s3cli::run_stat(c, target); })
      ->add_option("URL", target.url, "s3://bucket/key")
      ->required();

  add("cat", "Write an object to stdout", [&](Context& c) {
    transfer.destination = "-";
    return s3cli::run_get(c, transfer);
  })->add_option("URL", transfer.source, "s3://bucket/key")->required();

  add("run", "Run a file of cp, mv and rm lines (or - for stdin), every transfer through one window",
      [&](Context& c) { return s3cli::run_batch(c, batch); })
      ->add_option("FILE", batch.file, "The batch file, or - for stdin")
      ->required();

  auto* ps = add("presign", "Print a presigned GET URL", [&](Context& c) { return s3cli::run_presign(c, presign); });
  ps->add_option("URL", presign.url, "s3://bucket/key")->required();
  ps->add_option("--expires", presign.expires, "Seconds the URL stays valid (1 to 604800)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 604800u));

  add_bench_options(*add("bench", "Load a bucket with concurrent operations; report throughput and latency",
                         [&](Context& c) { return s3cli::run_bench(c, bench); }),
                    bench);
  return commands;
}

}  // namespace

int main(int argc, char** argv) {
  s3cli::Interrupts::start();  // before any other thread exists
  // A reader that goes away (s3-cli cat ... | head) must surface as a write error, not kill us mid-transfer.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"s3-cli: an S3 client built on librawS3", "s3-cli"};
  app.set_version_flag("--version", S3CLI_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the command too

  s3cli::GlobalOptions global;
  s3cli::TargetArgs target;
  s3cli::TransferArgs transfer;
  s3cli::SyncArgs sync;
  s3cli::Selection selection;
  s3cli::BucketArgs bucket;
  s3cli::UploadsArgs uploads;
  s3cli::BatchArgs batch;
  s3cli::PresignArgs presign;
  s3cli::BenchArgs bench;
  add_global_options(app, global);
  const std::vector<Command> commands = add_commands(app, target, transfer, sync, selection, bucket, uploads, batch, presign, bench);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // A word where the command goes that names none: CLI11 would only say that a command is required.
    const std::vector<std::string> words = app.remaining();
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && !words.empty()) {
      std::string known;
      for (const Command& c : commands) known += (known.empty() ? "" : ", ") + c.app->get_name();
      std::fprintf(stderr, "s3-cli: unknown command '%s' (commands: %s)\n", words.front().c_str(), known.c_str());
      return s3cli::kUsage;
    }
    return app.exit(e) == 0 ? s3cli::kSuccess : s3cli::kUsage;
  }

  const Command* chosen = nullptr;
  for (const Command& c : commands) {
    if (c.app->parsed()) chosen = &c;
  }
  s3cli::collect_filters(*chosen->app, selection.filters);
  const std::string name = chosen->app->get_name();
  int rc = s3cli::kFailure;
  try {
    // Joined before the context is built and left (MPI_Finalize) after it is gone with its client's loops.
    const std::unique_ptr<s3cli::Ranks> ranks = s3cli::Ranks::join(name == "bench" && bench.mpi);
    if (ranks->size() > 1 && name != "bench" && name != "cp" && name != "sync") {
      throw s3cli::UsageError("only bench, cp --recursive and sync run as an MPI job; start " + name + " without mpirun");
    }
    Context ctx(name, global, *ranks);
    rc = chosen->run(ctx);
  } catch (const std::exception& e) {
    s3cli::report_error(name, "", e);
    rc = s3cli::exit_code_of(e);
  } catch (...) {
    s3cli::report_error(name, "", "unknown error");
  }
  // An interrupted command may still have finished its work, but the run did not go as asked.
  if (s3cli::Interrupts::received()) return s3cli::Interrupts::exit_code();
  if (s3cli::Console::instance().stdout_closed()) {
    // Every transfer has ended and the client is gone: end as a pipeline's writer does.
    std::signal(SIGPIPE, SIG_DFL);
    std::raise(SIGPIPE);
    return s3cli::kStdoutClosed;
  }
  return rc;
}
