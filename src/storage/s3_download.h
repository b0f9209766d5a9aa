// Getting one S3 object's bytes into a local file: the first part in one
// GET, the rest as parallel ranged GETs, all written straight into the file
// (see S3ObjectStore for the guarantees). Thread-safe as S3Requester is; one S3Download is used by one
// caller.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/md5.h"
#include "storage/s3_requester.h"

namespace trainyard {

class S3Download {
 public:
  // Where the object's bytes go: called at most once, when a reply shows that
  // the object exists (so nothing local is touched for a missing one); returns
  // a file descriptor open for writing, empty, which must stay open until
  // Finish returns.
  using OpenOutput = std::function<Result<int>()>;

  // Fetches the first S3Options::part_size_bytes of the S3 key `key`, which
  // tells the object's size and ETag, writing them at offset 0 of the output
  // as they arrive (and hashing them when the ETag is a plain MD5). kNotFound
  // if there is no such object; `open_output`'s errors as it returns them.
  static Result<S3Download> Start(S3Requester& s3, std::string key, std::string uri,
                                  const OpenOutput& open_output);

  int64_t size() const { return size_; }

  // Fetches the rest of the object in parallel ranged GETs conditional on the
  // first reply's ETag, written with pwrite. Then checks the size and, for a
  // plain-MD5 ETag, the MD5 of all the bytes received: kUnavailable on a
  // mismatch or if the object changed meanwhile. Call once, after Start.
  Status Finish();

 private:
  S3Download(S3Requester& s3, std::string key, std::string uri)
      : s3_(&s3), key_(std::move(key)), uri_(std::move(uri)), md5_(std::make_unique<Md5>()) {}

  // The first GET: opens the output (open_once) when a 2xx reply comes,
  // writes and hashes the body as it arrives; sets size_, etag_,
  // expected_md5_ and first_part_size_.
  Status FetchFirstPart(const OpenOutput& open_output);
  // Its request; the callbacks use `this`, `open_once` and `*written`.
  S3Call FirstPartCall(const std::function<bool()>& open_once, int64_t* written);

  // Called after each chunk of a ranged GET is in the file, with its offset.
  using ChunkWritten = std::function<Status(int64_t offset, std::string_view chunk)>;
  Status FetchRange(int64_t offset, int64_t length, const ChunkWritten& written_hook);

  S3Requester* s3_;
  std::string key_;
  std::string uri_;
  int fd_ = -1;                  // the output, once opened
  int64_t first_part_size_ = 0;  // bytes written by Start
  int64_t size_ = 0;
  std::string etag_;          // as the server sent it, quotes included
  std::string expected_md5_;  // lowercase hex, when the ETag is the content's MD5
  std::unique_ptr<Md5> md5_;  // of the bytes in order, as far as they are hashed
};

}  // namespace trainyard
