// The XML bodies of S3: readers into small value types, and writers of request bodies.
//
// Readers throw raws3::NetworkError for a body that is not well-formed XML or not the document the
// operation answers with: the server misbehaved. A body that is an <Error> document throws
// raws3::S3Error with HTTP status 200, as S3 answers a CompleteMultipartUpload or CopyObject that failed
// after it had started sending its 200.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "raws3/types.hpp"

namespace raws3::s3 {

struct ErrorInfo {
  std::string code;
  std::string message;
  std::string request_id;
  std::string region;    // <Region>, as in AuthorizationHeaderMalformed
  std::string endpoint;  // <Endpoint>, as in PermanentRedirect: the host to use instead
};

// The fields of an <Error> document; nullopt for anything else (empty, HTML, other XML, not XML).
std::optional<ErrorInfo> parse_error(std::string_view body);

std::vector<BucketInfo> parse_list_buckets(std::string_view body);
// Keys and prefixes come back decoded when the server says it URL-encoded them (<EncodingType>url).
ListObjectsPage parse_list_objects_v2(std::string_view body);
DeleteObjectsResult parse_delete_objects_result(std::string_view body);
// The UploadId of an InitiateMultipartUploadResult.
std::string parse_initiate_multipart(std::string_view body);
// The ETag of a CompleteMultipartUploadResult: empty when the server leaves it out, as radosgw may.
std::string parse_complete_multipart(std::string_view body);
MultipartUploadsPage parse_list_multipart_uploads(std::string_view body);

struct CopyObjectResult {
  std::string etag;
  std::string last_modified;
};
// CopyObjectResult, or the CopyPartResult of UploadPartCopy.
CopyObjectResult parse_copy_object_result(std::string_view body);

// Writers throw raws3::ConfigError for text XML 1.0 cannot carry (control characters other than tab,
// newline and carriage return; invalid UTF-8) and name it.

// A DeleteObjects body for 1 to 1000 non-empty keys; quiet asks the server to report failures only.
std::string build_delete_objects(std::span<const std::string> keys, bool quiet);
// Whether s is UTF-8 of characters XML 1.0 can carry (no control characters but tab, newline and carriage
// return; no U+FFFE, U+FFFF): what a key must be to travel in a request body.
bool xml_can_carry(std::string_view s);
// A CompleteMultipartUpload body listing parts in the order given, which S3 wants ascending.
std::string build_complete_multipart(std::span<const CompletedPart> parts, bool include_crc32c);
// A CreateBucket body; empty for us-east-1 (or no region), which S3 wants without one.
std::string build_create_bucket_configuration(std::string_view region);

}  // namespace raws3::s3
