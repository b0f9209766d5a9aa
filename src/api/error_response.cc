#include "api/error_response.h"

#include "common/json.h"

namespace trainyard {

AwsError ToAwsError(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kFailedPrecondition: return {400, "ValidationException"};
    case ErrorCode::kNotFound: return {400, "ResourceNotFound"};
    case ErrorCode::kAlreadyExists: return {400, "ResourceInUse"};
    case ErrorCode::kResourceExhausted: return {400, "ResourceLimitExceeded"};
    case ErrorCode::kUnavailable: return {503, "ServiceUnavailable"};
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kInternal: return {500, "InternalFailure"};
    case ErrorCode::kSerialization: return {400, "SerializationException"};
    case ErrorCode::kUnknownOperation: return {400, "UnknownOperationException"};
    case ErrorCode::kPayloadTooLarge: return {413, "RequestEntityTooLargeException"};
    case ErrorCode::kMissingAuthentication: return {403, "MissingAuthenticationTokenException"};
    case ErrorCode::kIncompleteSignature: return {400, "IncompleteSignatureException"};
    case ErrorCode::kInvalidSignature: return {403, "InvalidSignatureException"};
    case ErrorCode::kSignatureExpired: return {400, "InvalidSignatureException"};
    case ErrorCode::kUnrecognizedClient: return {403, "UnrecognizedClientException"};
  }
  return {500, "InternalFailure"};
}

std::string AwsErrorBody(const Error& error) {
  AwsError aws = ToAwsError(error);
  bool modeled = aws.type == "ResourceInUse" || aws.type == "ResourceNotFound" ||
                 aws.type == "ResourceLimitExceeded";
  Json body = {{"__type", aws.type}, {modeled ? "Message" : "message", error.message}};
  return DumpJson(body);
}

}  // namespace trainyard
