// A whole-object GET as concurrent ranged GETs spread over every loop of a client.
//
// The first request asks for the first max(part size, threshold) bytes and learns the object's size and
// ETag from Content-Range (no HEAD round trip); an object that fits is done with it. As soon as its head
// arrives, the rest is cut into parts that `inflight` workers, spread over the loops, take one after
// another; every one carries If-Match with the first answer's ETag, so a replaced object fails instead of
// mixing versions. Each part's body is received straight into its final place: the caller's memory, or a
// registered buffer that is then written to a file at its offset (a MiB at a time) or handed to the caller
// in order (a part at a time, so at most inflight parts wait for their turn). A connection that breaks
// mid-part is replaced and asked for the bytes still missing.
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
