// Getting one S3 object's bytes into a local file: the first part in one
// GET, the rest as parallel ranged GETs (see S3ObjectStore for the
// guarantees). Thread-safe as S3Requester is; one S3Download is used by one
// caller.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "storage/s3_requester.h"

namespace trainyard {

class S3Download {
 public:
  // Fetches the first S3Options::part_size_bytes of the S3 key `key` into
  // memory, which tells the object's size and ETag; nothing local is touched
  // yet. kNotFound if there is no such object.
  static Result<S3Download> Start(S3Requester& s3, std::string key, std::string uri);

  int64_t size() const { return size_; }

  // Writes the whole object at offset 0 of `fd` (positional writes; the fd
  // must be open for writing), fetching the rest in parallel ranged GETs
  // conditional on the first reply's ETag. Then checks the size and, for a
  // plain-MD5 ETag, the MD5 of what was written: kUnavailable on a mismatch
  // or if the object changed meanwhile.
  Status WriteTo(int fd);

 private:
  S3Download(S3Requester& s3, std::string key, std::string uri)
      : s3_(&s3), key_(std::move(key)), uri_(std::move(uri)) {}

  Status FetchRange(int fd, int64_t offset, int64_t length);

  S3Requester* s3_;
  std::string key_;
  std::string uri_;
  std::string first_part_;
  int64_t size_ = 0;
  std::string etag_;          // as the server sent it, quotes included
  std::string expected_md5_;  // lowercase hex, when the ETag is the content's MD5
};

}  // namespace trainyard
