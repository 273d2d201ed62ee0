// Where objects live — S3 through a Client, or local files — behind one interface, so that a copy can go
// between any two of s3://, file:// (or a plain path) and "-" (stdin, stdout).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "raws3/client.hpp"
#include "raws3/object_writer.hpp"
#include "store/object_url.hpp"

namespace raws3::store {

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // An object written in pieces; nothing appears at `to` unless finish() succeeds.
  virtual ObjectWriter writer(const Location& to, const PutOptions& options) = 0;
  // Streams the object to sink in order; returns how many bytes it had.
  virtual std::uint64_t read(const Location& from, const BodySink& sink) = 0;
  // A whole local file, and a stream read to its end (a pipe, stdin; fd is not closed). By default
  // both go through writer(); S3 reads them straight into its chunk ring instead.
  virtual PutResult put_file(const Location& to, const std::string& path, const PutOptions& options);
  virtual PutResult put_stream(const Location& to, int fd, const PutOptions& options);
  // A copy that never leaves the store (S3's server-side copy); nullopt when it has none.
  virtual std::optional<PutResult> copy_within(const Location& from, const Location& to);
};

// S3 through client, which must outlive the store. Locations are s3://bucket/key.
std::unique_ptr<ObjectStore> s3_store(Client& client);
// Local files (file://, plain paths) and "-": a writer fills a temporary file beside its target and
// renames it into place on finish(); "-" reads stdin and writes stdout.
std::unique_ptr<ObjectStore> file_store();

// An ObjectWriter onto a local file, through a temporary file renamed into place by finish(). The
// directory must exist.
ObjectWriter file_writer(const std::string& path);

// Copies `from` (held by from_store) to `to` (held by to_store): server-side within one store when it
// can, straight from the file or stream when the source is local, else read piece by piece into a
// writer.
PutResult copy(ObjectStore& from_store, const Location& from, ObjectStore& to_store, const Location& to,
               const PutOptions& options = {});

}  // namespace raws3::store
