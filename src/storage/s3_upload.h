// Putting a local file's bytes into one S3 object: one PUT streamed from the
// file up to S3Options::multipart_threshold_bytes, a parallel multipart
// upload above it (see S3ObjectStore for the guarantees). Thread-safe as
// S3Requester is.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "storage/s3_requester.h"

namespace trainyard {

// Uploads the first `size` bytes of the open file `fd` (read with pread, so
// the offset is untouched) as the S3 key `key`; `uri` names it in messages.
// Up to the threshold: one PUT with the Content-MD5 of a first pass over the
// file, its body read from the file as it is sent (memory does not grow with
// the size; a retry reads the file again). Above it: parts go out
// S3Options::parallelism at a time, each with Content-MD5; on any failure the
// multipart upload is aborted. kUnavailable if the file turns out shorter
// or longer than `size` (it changed while being read; the server stores
// nothing); bytes changed in place fail the server's Content-MD5 check
// (BadDigest, retried, then kUnavailable), except in multipart parts already
// sent; kInternal if a multipart object's stored size is not `size`
// afterwards.
Status S3PutObject(S3Requester& s3, const std::string& key, const std::string& uri, int fd, int64_t size);

}  // namespace trainyard
