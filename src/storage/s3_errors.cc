#include "storage/s3_errors.h"

#include <algorithm>
#include <array>

namespace trainyard {
namespace {

bool IsOneOf(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

bool IsTransientCode(std::string_view code) {
  return IsOneOf(code, {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling",
                        "ThrottlingException", "RequestThrottled", "BadDigest", "OperationAborted"});
}

ErrorCode CodeFor(const S3ErrorReply& reply) {
  const std::string& code = reply.code;
  if (code == "NoSuchKey" || (reply.http_status == 404 && code.empty())) return ErrorCode::kNotFound;
  if (IsOneOf(code, {"EntityTooLarge", "QuotaExceeded", "TooManyBuckets", "XMinioStorageFull"}) ||
      reply.http_status == 507) {
    return ErrorCode::kResourceExhausted;
  }
  if (IsRetryableS3Error(reply) || code == "NoSuchUpload") return ErrorCode::kUnavailable;
  return ErrorCode::kFailedPrecondition;
}

}  // namespace

bool IsRetryableS3Error(const S3ErrorReply& reply) {
  if (IsTransientCode(reply.code)) return true;
  int status = reply.http_status;
  if (status == 408 || status == 429) return true;
  return status >= 500 && status != 501 && status != 507;
}

Error S3ReplyToError(const S3ErrorReply& reply, std::string_view uri) {
  std::string text = "S3 " + (reply.code.empty() ? std::string("error") : reply.code) + " (HTTP " +
                     std::to_string(reply.http_status) + ")";
  if (!reply.message.empty()) text += ": " + reply.message;
  text += " (" + std::string(uri) + ")";
  return MakeError(CodeFor(reply), std::move(text));
}

}  // namespace trainyard
