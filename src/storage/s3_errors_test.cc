#include "storage/s3_errors.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(S3ErrorsTest, MapsRepliesToCodesAndRetryability) {
  struct Case {
    int status;
    std::string code;
    ErrorCode expected;
    bool retryable;
  };
  const Case cases[] = {
      {404, "NoSuchKey", ErrorCode::kNotFound, false},
      {404, "", ErrorCode::kNotFound, false},  // HEAD: no body
      {404, "NoSuchBucket", ErrorCode::kFailedPrecondition, false},
      {403, "AccessDenied", ErrorCode::kFailedPrecondition, false},
      {403, "InvalidAccessKeyId", ErrorCode::kFailedPrecondition, false},
      {403, "SignatureDoesNotMatch", ErrorCode::kFailedPrecondition, false},
      {400, "InvalidArgument", ErrorCode::kFailedPrecondition, false},
      {400, "EntityTooLarge", ErrorCode::kResourceExhausted, false},
      {507, "", ErrorCode::kResourceExhausted, false},
      {500, "InternalError", ErrorCode::kUnavailable, true},
      {503, "SlowDown", ErrorCode::kUnavailable, true},
      {400, "RequestTimeout", ErrorCode::kUnavailable, true},
      {400, "BadDigest", ErrorCode::kUnavailable, true},
      {200, "InternalError", ErrorCode::kUnavailable, true},  // a CopyObject failing with 200
      {429, "", ErrorCode::kUnavailable, true},
      {502, "", ErrorCode::kUnavailable, true},
      {501, "NotImplemented", ErrorCode::kFailedPrecondition, false},
      {404, "NoSuchUpload", ErrorCode::kUnavailable, false},
  };
  for (const Case& c : cases) {
    S3ErrorReply reply{c.status, c.code, "msg"};
    EXPECT_EQ(S3ReplyToError(reply, "s3://b/k").code, c.expected) << c.status << " " << c.code;
    EXPECT_EQ(IsRetryableS3Error(reply), c.retryable) << c.status << " " << c.code;
  }
}

TEST(S3ErrorsTest, MessagesNameCodeStatusMessageAndUri) {
  Error error = S3ReplyToError({403, "AccessDenied", "Access Denied"}, "s3://bkt/a/b");
  EXPECT_EQ(error.message, "S3 AccessDenied (HTTP 403): Access Denied (s3://bkt/a/b)");
  EXPECT_EQ(S3ReplyToError({404, "", ""}, "s3://bkt/k").message, "S3 error (HTTP 404) (s3://bkt/k)");
}

}  // namespace
}  // namespace trainyard
