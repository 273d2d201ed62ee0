// A whole-object GET as concurrent requests spread over every loop of a client, every byte checked
// against the checksum the server holds for the object.
//
// The first request asks for the whole object in checksum mode: S3 answers it with the object's checksum,
// and answers a range with none. Its head decides the plan (no HEAD round trip):
//   - an object up to max(part size, threshold), or one whose digest cannot be split (SHA): received on that
//     answer, checked against the object's checksum;
//   - a multipart object with a composite checksum ("<crc>-<N>", which no body can be checked against):
//     that answer is given up (its connection closed) and parts 1..N are fetched by partNumber, each
//     answered with its own checksum and placed by its Content-Range;
//   - a larger object with a full-object CRC: given up, fetched as ranges of part size, each range's CRC
//     combined at the end into the object's; on a mismatch every range is fetched again, once, since
//     nothing tells which one was wrong;
//   - no checksum: as the previous, unchecked (ChecksumMode::Required fails instead).
// With ChecksumMode::Off the first request is the first range, as large as the threshold.
//
// Workers, spread over the loops, take parts or ranges one after another, `inflight` at a time; every
// request carries If-Match with the first answer's ETag, so a replaced object fails instead of mixing
// versions. Each slice's body is received straight into its final place: the caller's memory, or a
// registered buffer that is then written to a file at its offset (a MiB at a time) or handed to the caller
// in order (a part at a time, so at most inflight parts wait for their turn). A slice is complete only with
// every byte its Content-Range announced. A connection that breaks mid-slice is replaced and asked for the
// bytes still missing, the checksum going on over them; a slice whose bytes do not match its checksum is
// fetched again once, except in order (bytes handed on cannot be taken back), then fails with
// IntegrityError. The GET succeeds only when the slices cover the object exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "raws3/client.hpp"
#include "s3/loop_context.hpp"

namespace raws3::s3 {

// Where the object goes.
struct ToMemory {
  std::span<std::byte> bytes;  // the object must fit
};
struct ToAllocated {
  Allocation allocate;  // called once with the object's size, on a loop thread, once it is known to fit
};
struct ToFile {
  int fd;  // a regular file, written at offsets; not owned
  std::string path;  // for errors
};
struct InOrder {
  // Receives the body in order on the thread that called range_get; throwing fails the GET.
  std::function<void(std::span<const std::byte>)> consume;
};
struct Discard {};
using Destination = std::variant<ToMemory, ToAllocated, ToFile, InOrder, Discard>;

// Runs the GET on loops (starting with loops[first % size]) and blocks until it is done; progress, when
// set, is called on this thread after each part. Throws the first failure once every request has ended.
HeadResult range_get(std::span<LoopContext* const> loops, unsigned first, const Tuning& tuning, std::string bucket,
                     std::string key, Destination destination, const GetOptions& options);

// The same GET as a task of a coroutine on home's loop, for the callback forms: no thread waits for it.
// Any destination but InOrder; options.progress is called on the loops as parts land.
io::Task<HeadResult> range_get_task(LoopContext& home, std::vector<LoopContext*> loops, unsigned first, Tuning tuning,
                                    std::string bucket, std::string key, Destination destination, GetOptions options);

}  // namespace raws3::s3
