// librawS3's S3 client.
//
//   raws3::Client client{raws3::Config{.endpoint_url = "http://127.0.0.1:9000"}};
//   client.put_object("bucket", "key", bytes);
//   std::string body = client.get_object("bucket", "key");
//
// Every call has a blocking form; the calls that storage tools drive by the thousand also have an
// asynchronous form returning a std::future. The client owns its event loops (one thread each, on
// io_uring or epoll: io_backend(); started on first use); it is safe to call from any number of threads.
// Failures throw raws3::Error subclasses (raws3/error.hpp): S3Error carries the server's code, message,
// request id and HTTP status.
//
// Destroying a client with calls in flight cancels them (as cancel() does) and waits until every one has
// ended: each callback runs exactly once before the destructor returns, with raws3::Cancelled when it was
// cut short, and what the calls began is undone (an unfinished multipart upload aborted). A blocking call
// made on one of the client's loop threads (inside a callback) throws raws3::Error instead of waiting
// for itself.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "raws3/config.hpp"
#include "raws3/error.hpp"
#include "raws3/export.hpp"
#include "raws3/object_writer.hpp"
#include "raws3/types.hpp"

namespace raws3 {

// An inclusive-exclusive byte range [offset, offset + length) of an object.
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// The checksum every part (or the single PutObject) carries for the server to verify.
enum class Checksum {
  Crc32c,  // x-amz-checksum-crc32c, declared at CreateMultipartUpload and listed at Complete
  Md5,     // Content-MD5: for servers without flexible checksums
  None,
};

struct PutOptions {
  std::string content_type{};
  std::map<std::string, std::string> metadata{};  // sent as x-amz-meta-<name>
  std::string storage_class{};     // x-amz-storage-class (STANDARD, STANDARD_IA, GLACIER, ...); empty: the bucket's
  std::string cache_control{};     // Cache-Control, stored and served with the object
  std::string content_encoding{};  // Content-Encoding, likewise (gzip: the bytes are stored as they are)
  Checksum checksum = Checksum::Crc32c;
  // 0: Tuning::put_part_size. Raised when a known size would need more than 10,000 parts.
  std::uint64_t part_size = 0;
  // Called once per part acknowledged and once at the end, on the upload's loop thread: keep it short,
  // thread-safe and non-throwing. total is 0 while the size is unknown (a pipe, a writer).
  std::function<void(std::uint64_t done, std::uint64_t total)> progress{};
};


// A server-side copy: CopyObject up to Tuning::copy_threshold, above it a multipart upload of concurrent
// UploadPartCopy ranges (each conditional on the source's ETag, so a source replaced mid-copy fails it).
struct CopyOptions {
  // false: the copy keeps the source's content type and metadata (S3's COPY directive; a multipart copy
  // carries them over itself); true: it gets attributes' instead (REPLACE).
  bool replace_metadata = false;
  // Its storage class applies to every copy; the rest with replace_metadata only.
  PutOptions attributes{};
  // The source's size as listed, which spares the HEAD that otherwise decides between the two ways.
  std::optional<std::uint64_t> source_size{};
};

struct ListOptions {
  std::string prefix;
  std::string delimiter;
  std::string continuation_token;
  std::string start_after;
  unsigned max_keys = 1000;
};

struct HeadResult {
  std::uint64_t size = 0;
  std::string etag;
  std::string last_modified;
  std::string content_type{};
  std::map<std::string, std::string> metadata;
  // With HeadOptions::checksum: x-amz-checksum-crc32c as the server sent it (raws3/object_checksum.hpp
  // reads it); empty when it holds none.
  std::string checksum_crc32c{};
  // With HeadOptions::part_number: x-amz-mp-parts-count, the parts the object was uploaded in (0: one
  // PutObject, or a server that does not say).
  unsigned parts_count = 0;
  // With part_number: that part's length (and its offset, where the server sent a Content-Range).
  ByteRange part{};
};

// What a HEAD asks for besides the object's headers.
struct HeadOptions {
  bool checksum = false;     // x-amz-checksum-mode: ENABLED (on SSE-KMS objects S3 then wants kms:Decrypt)
  unsigned part_number = 0;  // ?partNumber=N: size (and checksum) of that part of a multipart upload
};

// How a callback-form call ends: on one of the client's loop threads, with the error that ended it (null
// on success) and its result (default-constructed after an error; none for calls without one).
template <class... Result>
using Completion = std::function<void(std::exception_ptr error, Result... result)>;

// Receives a GET body in order, in pieces, on the thread that called the GET. Throwing from it fails the GET.
using BodySink = std::function<void(std::span<const std::byte>)>;

// Memory for a GET whose size the first answer tells (Client::get_allocated).
using Allocation = std::function<std::span<std::byte>(std::uint64_t size)>;

// How a whole-object GET reports. Part size, parts in flight and loops come from Config::tuning.
struct GetOptions {
  // Called on the calling thread as parts land (once per part, not per byte): bytes done, object size.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress{};
  // Called once, on a loop thread, the moment the first answer's head arrives: the time to first byte
  // that benchmarks report. Keep it short, thread-safe and non-throwing.
  std::function<void()> first_byte{};
};

class RAWS3_API Client {
 public:
  explicit Client(Config config = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // What the configuration resolved to.
  const std::string& region() const noexcept;
  const std::string& endpoint_url() const noexcept;
  // The engine under the client's loops: "io_uring", or "epoll" (Tuning::io_engine, RAWS3_IO).
  const std::string& io_backend() const noexcept;
  // Why the client runs on epoll although io_uring was not ruled out (IoEngine::Auto), e.g.
  // "io_uring_setup: Operation not permitted"; empty otherwise.
  const std::string& io_fallback_reason() const noexcept;
  // Part sizes, parts in flight, thresholds, loops and transfer windows: Config::tuning.
  const Tuning& tuning() const noexcept;

  std::vector<BucketInfo> list_buckets();
  void create_bucket(const std::string& bucket);
  void delete_bucket(const std::string& bucket);

  HeadResult head_object(const std::string& bucket, const std::string& key, const HeadOptions& options = {});
  // The whole object as concurrent ranged GETs over every loop (Config::tuning), or one range of it in one
  // request.
  std::string get_object(const std::string& bucket, const std::string& key,
                         std::optional<ByteRange> range = {});
  // Receives the body straight into dest, as get_object does; returns how many bytes arrived. A body larger
  // than dest is an error (nothing past dest is written).
  std::uint64_t get_into(const std::string& bucket, const std::string& key, std::span<std::byte> dest,
                         std::optional<ByteRange> range = {});
  // Receives the body into memory that `allocate` returns once the first answer has told the size: the
  // object's (or the range's) size is passed, before any byte lands, on one of the client's loop threads,
  // and the memory returned (at least that long) must stay valid until this call returns. Throwing from
  // allocate fails the GET. Returns how many bytes arrived. For callers that own their memory's lifetime
  // (Python's views) and so need neither a HEAD first nor a copy after.
  std::uint64_t get_allocated(const std::string& bucket, const std::string& key, const Allocation& allocate,
                              std::optional<ByteRange> range = {});
  // Streams the body to sink in order; returns the object's HeadResult as the GET saw it.
  HeadResult get_to(const std::string& bucket, const std::string& key, const BodySink& sink,
                    const GetOptions& options = {});
  // Writes the object to path through a temporary file renamed into place on success: on failure an
  // existing file at path is left untouched and no partial file remains. A path that exists and is not a
  // regular file (/dev/null, a FIFO, a terminal) is written in order, directly.
  HeadResult get_to_file(const std::string& bucket, const std::string& key, const std::string& path,
                         const GetOptions& options = {});
  // Receives the object and drops it: the transfer alone, for benchmarks.
  HeadResult get_discard(const std::string& bucket, const std::string& key, const GetOptions& options = {});

  // Returns the new object's ETag.
  std::string put_object(const std::string& bucket, const std::string& key,
                         std::span<const std::byte> body, const PutOptions& options = {});
  // A file of any size: one PutObject up to one part, else a multipart upload read into a ring of
  // (put_inflight + 1) part-sized chunks. A pipe or character device (/dev/stdin) streams as
  // upload_stream does. Returns the ETag (see upload_file for the rest).
  std::string put_file(const std::string& bucket, const std::string& key, const std::string& path,
                       const PutOptions& options = {});
  PutResult upload_file(const std::string& bucket, const std::string& key, const std::string& path,
                        const PutOptions& options = {});
  // body through the streaming upload engine, as the callback form of upload() below: one PutObject up to
  // one part, else a multipart upload whose parts are sent straight from body.
  PutResult upload(const std::string& bucket, const std::string& key, std::span<const std::byte> body,
                   const PutOptions& options = {});
  // Reads fd (a pipe, stdin) to its end and uploads what it read, in constant memory. Does not close fd.
  PutResult upload_stream(const std::string& bucket, const std::string& key, int fd,
                          const PutOptions& options = {});
  // An upload fed by the caller (raws3/object_writer.hpp). A client destroyed first aborts its upload;
  // the writer's later calls then throw raws3::Error.
  ObjectWriter writer(const std::string& bucket, const std::string& key, const PutOptions& options = {});

  void delete_object(const std::string& bucket, const std::string& key);
  // Deletes in batches of up to 1,000 keys per request.
  DeleteObjectsResult delete_objects(const std::string& bucket, const std::vector<std::string>& keys);
  ListObjectsPage list_objects_v2(const std::string& bucket, const ListOptions& options = {});
  // Multipart uploads begun and neither completed nor aborted, by any tool: a page of up to 1,000 from
  // the markers of the previous page's next_key_marker / next_upload_id_marker (empty: the first).
  MultipartUploadsPage list_multipart_uploads(const std::string& bucket, const std::string& prefix = {},
                                              const std::string& key_marker = {},
                                              const std::string& upload_id_marker = {});
  // Frees an upload's parts; its object is never created.
  void abort_multipart_upload(const std::string& bucket, const std::string& key, const std::string& upload_id);
  // Server-side copy of any size (CopyOptions); returns the new object's ETag.
  std::string copy_object(const std::string& src_bucket, const std::string& src_key,
                          const std::string& dst_bucket, const std::string& dst_key, const CopyOptions& options = {});

  // A presigned URL for GET (or another method) valid for `expires` (1 s to 7 days). Needs no network.
  std::string presign(const std::string& bucket, const std::string& key, std::chrono::seconds expires,
                      const std::string& method = "GET");

  // Stops everything the client is doing; safe from any thread (a signal-handling one, say). Requests in
  // flight fail at once with raws3::Cancelled, as does every later call: a cancelled client stays
  // cancelled. What the cancelled calls began is still undone before they return: an unfinished multipart
  // upload is aborted, a partial download removed.
  void cancel() noexcept;

  // Asynchronous forms: the future holds the result or the exception.
  std::future<HeadResult> head_object_async(std::string bucket, std::string key, HeadOptions options = {});
  // One request, on one loop.
  std::future<std::string> get_object_async(std::string bucket, std::string key,
                                            std::optional<ByteRange> range = {});
  std::future<std::string> put_object_async(std::string bucket, std::string key,
                                            std::span<const std::byte> body, PutOptions options = {});
  std::future<void> delete_object_async(std::string bucket, std::string key);
  std::future<ListObjectsPage> list_objects_v2_async(std::string bucket, ListOptions options = {});

  // Callback forms, for callers that keep many calls in flight without a thread for each (s3-cli bench):
  // each returns at once, and `done` runs on a loop thread when the call ends. A call made from `done`
  // runs on that same loop, so a chain of calls never changes threads. `done` must be short and must not
  // throw, and may run during the client's destruction: what it touches must outlive the client. A `done`
  // that starts a new call for every raws3::Cancelled keeps a closing client waiting.
  void head_object(std::string bucket, std::string key, Completion<HeadResult> done);
  void head_object(std::string bucket, std::string key, HeadOptions options, Completion<HeadResult> done);
  // The whole object in one GET, its body dropped as it arrives. options.first_byte is called;
  // options.progress is not.
  void get_discard(std::string bucket, std::string key, GetOptions options, Completion<HeadResult> done);
  // The object (or range) in one GET into memory from allocate, as the blocking get_allocated does; done
  // gets how many bytes arrived. allocate is held until done runs.
  void get_allocated(std::string bucket, std::string key, Allocation allocate, std::optional<ByteRange> range,
                     Completion<std::uint64_t> done);
  void put_object(std::string bucket, std::string key, std::span<const std::byte> body, PutOptions options,
                  Completion<std::string> done);
  // body through the streaming upload engine: a multipart upload in parts sliced from body without a copy
  // when it is larger than one part, else one PutObject. body.owner is held until done runs; with a null
  // owner the caller keeps the bytes alive until then.
  void upload(std::string bucket, std::string key, SharedBytes body, PutOptions options, Completion<PutResult> done);
  // The parallel ranged GET into a regular file, as the blocking get_to_file does (temporary file renamed
  // into place; nothing left on failure). options.progress is called on loop threads as parts land.
  void get_to_file(std::string bucket, std::string key, std::string path, GetOptions options,
                   Completion<HeadResult> done);
  // A file through the streaming upload engine, as the blocking upload_file does; the file is opened on a
  // loop thread, and one that cannot be opened fails done.
  void upload_file(std::string bucket, std::string key, std::string path, PutOptions options,
                   Completion<PutResult> done);
  void copy_object(std::string src_bucket, std::string src_key, std::string dst_bucket, std::string dst_key,
                   CopyOptions options, Completion<std::string> done);
  void delete_object(std::string bucket, std::string key, Completion<> done);
  void list_objects_v2(std::string bucket, ListOptions options, Completion<ListObjectsPage> done);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace raws3
