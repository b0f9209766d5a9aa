// Putting a local file's bytes into one S3 object: one PUT up to the part
// size, a parallel multipart upload above it (see S3ObjectStore for the
// guarantees). Thread-safe as S3Requester is.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "storage/s3_requester.h"

namespace trainyard {

// Uploads the first `size` bytes of the open file `fd` (read with pread, so
// the offset is untouched) as the S3 key `key`; `uri` names it in messages.
// Parts go out S3Options::parallelism at a time, each with Content-MD5; on
// any failure the multipart upload is aborted. kUnavailable if the file
// turns out shorter than `size` (it changed while being read); kInternal if
// the stored object's size is not `size` afterwards.
Status S3PutObject(S3Requester& s3, const std::string& key, const std::string& uri, int fd, int64_t size);

}  // namespace trainyard
