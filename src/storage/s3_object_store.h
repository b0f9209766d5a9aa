// S3ObjectStore: an ObjectStore kept in an S3 bucket (or any server that
// speaks S3's REST API), rooted at s3://bucket/prefix: object "a/b" is the
// S3 key "prefix/a/b" (or "a/b" with no prefix).
//
// Transfers. PutFile sends a file up to S3Options::multipart_threshold_bytes
// as one PUT whose body is read from the file as it goes, and a larger one as
// a multipart upload, `parallelism` parts of part_size_bytes in flight; a
// failed multipart upload is aborted, so no parts are left behind. GetFile
// fetches the first part_size_bytes in one GET and any rest as parallel
// ranged GETs (If-Match on the first reply's ETag), all written with pwrite
// into a temp file beside the target as they arrive, renamed into place at
// the end; nothing local is touched for a missing object. Memory per call
// stays below about parallelism x part_size_bytes whatever the size.
//
// Integrity. Every PUT and UploadPart carries Content-MD5, so the server
// checks the bytes; after a multipart upload a HEAD checks the stored size.
// GetFile checks the size received and, when the ETag is a plain MD5 (no
// '-' and no KMS/customer-key encryption), the MD5 of the bytes.
//
// Errors follow s3_errors.h; messages name the object's s3:// URI.
// Transient failures are retried per request (S3Options::max_attempts,
// jittered backoff through the Sleeper). A HEAD reply has no body, so Head
// on a missing bucket says kNotFound, not NoSuchBucket.
//
// Limits: Copy is one CopyObject request (AWS allows sources up to 5 GiB);
// files over 10,000 parts get larger parts. Keys are percent-encoded in the
// path; servers such as moto that verify signatures over decoded query
// strings reject List prefixes with characters that need encoding.
//
// Thread safety: any number of threads may call at once; connections are
// pooled and reused. The Sleeper is shared and must be thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/backoff.h"
#include "storage/object_store.h"
#include "storage/s3_options.h"
#include "storage/s3_requester.h"
#include "storage/storage_uri.h"

namespace trainyard {

class S3ObjectStore : public ObjectStore {
 public:
  // A store rooted at `root` (an s3:// URI). kInvalidArgument for a file://
  // URI or invalid options (ValidateS3Options). No request is sent.
  // `sleeper` waits between retries; `jitter_seed` seeds the backoff.
  static Result<std::unique_ptr<S3ObjectStore>> Create(const StorageUri& root, const S3Options& options,
                                                       std::shared_ptr<Sleeper> sleeper,
                                                       uint64_t jitter_seed);

  std::string Uri() const override;
  Status PutFile(std::string_view key, const std::string& local_path) override;
  Status GetFile(std::string_view key, const std::string& local_path) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Copy(std::string_view from_key, std::string_view to_key) override;
  Status Delete(std::string_view key) override;
  Result<ObjectInfo> Head(std::string_view key) override;

  // Creates the root's bucket in S3Options::region; OK if these credentials
  // already own it. For tests and setup tools: the ObjectStore calls never
  // create buckets.
  Status CreateBucket();

 private:
  S3ObjectStore(StorageUri root, bool list_without_slash, std::shared_ptr<Sleeper> sleeper,
                std::unique_ptr<S3Requester> s3);

  std::string FullKey(std::string_view key) const;    // the S3 key of an object key
  std::string ObjectUri(std::string_view key) const;  // s3://bucket/prefix/key

  const StorageUri root_;
  const std::string key_prefix_;  // root_.path + "/", or "" at the bucket's top
  const bool list_without_slash_;  // S3Options::list_without_slash
  std::shared_ptr<Sleeper> sleeper_;
  std::unique_ptr<S3Requester> s3_;
};

}  // namespace trainyard
