// The XML bodies of the Blob service: readers of its listings and error documents, and the writer of a
// Put Block List body. Readers throw raws3::NetworkError for a body that is not the document expected.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "raws3/types.hpp"

namespace raws3::blob {

// One page of List Blobs, as S3's ListObjectsV2 page: the NextMarker is the continuation token (opaque),
// ETags are quoted as headers quote them, and Last-Modified is written as S3's listings write it (ISO
// 8601), so listings of either service compare alike. Names the service sent encoded (Encoded="true") are
// decoded.
ListObjectsPage parse_list_blobs(std::string_view body);

struct ContainersPage {
  std::vector<BucketInfo> containers;
  std::string next_marker;  // empty on the last page
};
ContainersPage parse_list_containers(std::string_view body);

// The <Error> document's code and message (its first line: the service appends RequestId and Time lines),
// with AuthenticationErrorDetail when the service gives it; nullopt for any other body.
struct ErrorText {
  std::string code;
  std::string message;
};
std::optional<ErrorText> parse_error(std::string_view body);

// A Put Block List body committing these blocks, in this order.
std::string build_block_list(std::span<const std::string> block_ids);

}  // namespace raws3::blob
