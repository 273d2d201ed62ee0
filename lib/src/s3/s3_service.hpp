// S3 as an ObjectService (object_service.hpp): SigV4, path or virtual-hosted addressing, <Error> documents,
// and the operations of operations.cpp and server_copy.cpp.
#pragma once

#include <memory>

#include "s3/object_service.hpp"

namespace raws3::s3 {

std::unique_ptr<const ObjectService> make_s3_service();

}  // namespace raws3::s3
