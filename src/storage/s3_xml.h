// S3's XML documents: reading error replies, ListObjectsV2 pages and
// CreateMultipartUpload results, and writing CompleteMultipartUpload
// bodies. Built on XmlElement (xml_tree.h). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/object_store.h"

namespace trainyard {

// The code and message of an <Error> document; nullopt when `body` is not
// one (empty, another root, not XML). S3 can answer a CopyObject or
// CompleteMultipartUpload with status 200 and such a body.
struct S3ErrorDocument {
  std::string code;
  std::string message;
};
std::optional<S3ErrorDocument> ParseS3ErrorDocument(std::string_view body);

struct S3ListPage {
  std::vector<ObjectInfo> objects;  // full keys in the bucket, in the reply's order
  bool truncated = false;
  std::string next_continuation_token;  // set when truncated
};
// kInvalidArgument for a body that is not a ListBucketResult, or one that is
// truncated without a continuation token.
Result<S3ListPage> ParseListObjectsV2(std::string_view body);

// The UploadId of an InitiateMultipartUploadResult.
Result<std::string> ParseUploadId(std::string_view body);

// <CompleteMultipartUpload> listing parts 1..n with these ETags (as the
// server returned them, quotes included).
std::string CompleteMultipartUploadBody(const std::vector<std::string>& part_etags);

}  // namespace trainyard
