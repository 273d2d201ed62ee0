// Azure Blob as an ObjectService (s3/object_service.hpp); see README.md beside it for how S3's engines
// map onto Blob's operations.
#pragma once

#include <memory>

#include "blob/account.hpp"
#include "s3/object_service.hpp"

namespace raws3::blob {

// Signs with the account's key (SharedKey) when it has one, else appends its SAS token; with neither,
// requests go anonymous (public containers).
std::unique_ptr<const s3::ObjectService> make_blob_service(Account account);

}  // namespace raws3::blob
