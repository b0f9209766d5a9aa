// OpenObjectStore: the ObjectStore for a storage URI, for composition roots
// (server and agent wiring): a FileObjectStore for file://, an S3ObjectStore
// for s3:// that really sleeps between retries and seeds its jitter from
// std::random_device. Thread-safe.
#pragma once

#include <memory>

#include "common/result.h"
#include "storage/object_store.h"
#include "storage/s3_options.h"
#include "storage/storage_uri.h"

namespace trainyard {

// `s3_options` is used for s3:// only (see S3OptionsFromEnvironment).
// kInvalidArgument for invalid S3 options. Sends no request.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const StorageUri& uri, const S3Options& s3_options);

}  // namespace trainyard
