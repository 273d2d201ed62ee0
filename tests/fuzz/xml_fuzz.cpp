// libFuzzer target: arbitrary bytes as the body of each S3 answer we read as XML (s3/xml.hpp). The
// first byte chooses the reader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "raws3/error.hpp"
#include "s3/xml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  namespace s3 = raws3::s3;
  try {
    switch (data[0] % 8) {
      case 0: (void)s3::parse_error(body); break;
      case 1: (void)s3::parse_list_buckets(body); break;
      case 2: (void)s3::parse_list_objects_v2(body); break;
      case 3: (void)s3::parse_delete_objects_result(body); break;
      case 4: (void)s3::parse_initiate_multipart(body); break;
      case 5: (void)s3::parse_complete_multipart(body); break;
      case 6: (void)s3::parse_list_multipart_uploads(body); break;
      default: (void)s3::parse_copy_object_result(body); break;
    }
  } catch (const raws3::Error&) {
    // Readers refuse what is not their document (NetworkError) or carry an <Error> (S3Error).
  }
  return 0;
}
