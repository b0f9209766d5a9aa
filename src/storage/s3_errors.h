// What an S3 error reply means for the caller: whether to retry it, and
// which ErrorCode it becomes.
//
//   NoSuchKey, or 404 without a body (HEAD)          kNotFound
//   NoSuchBucket, AccessDenied, InvalidAccessKeyId,
//   SignatureDoesNotMatch, other 403s and 4xx        kFailedPrecondition
//   EntityTooLarge, QuotaExceeded, TooManyBuckets,
//   507 Insufficient Storage                         kResourceExhausted
//   5xx, 408, 429, SlowDown, RequestTimeout,
//   InternalError, BadDigest, NoSuchUpload            kUnavailable
//
// The first group of kUnavailable replies is retryable (BadDigest: the bytes
// were damaged on the way; NoSuchUpload is not retried as a request, but a
// new PutFile may succeed). Messages read "S3 <Code> (HTTP <status>):
// <S3's message> (<s3:// URI>)". Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace trainyard {

struct S3ErrorReply {
  int http_status = 0;
  std::string code;     // S3's error code; empty when the reply had no body (HEAD)
  std::string message;  // S3's message, possibly empty
};

// Whether sending the same request again may succeed.
bool IsRetryableS3Error(const S3ErrorReply& reply);

// The error for `reply`; `uri` names the object or bucket.
Error S3ReplyToError(const S3ErrorReply& reply, std::string_view uri);

}  // namespace trainyard
