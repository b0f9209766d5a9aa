#include "api/api_handler.h"

#include <strings.h>

#include "api/error_response.h"
#include "common/log.h"
#include "model/validation.h"

namespace trainyard {
namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.1";
constexpr std::string_view kTargetPrefix = "SageMaker.";
constexpr std::string_view kExtensionPrefix = "Trainyard.";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// "application/x-amz-json-1.1; charset=utf-8" counts as the JSON 1.1 type.
bool IsJson11(std::string_view content_type) {
  std::string_view base = content_type.substr(0, content_type.find(';'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  return base.size() == kContentType.size() &&
         strncasecmp(base.data(), kContentType.data(), base.size()) == 0;
}

}  // namespace

std::string_view FindHeader(const HttpRequestView& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return {};
}

ApiHandler::ApiHandler(ApiOptions options, const CredentialSource& credentials, const Clock& clock,
                       IdGenerator& ids)
    : options_(std::move(options)), credentials_(credentials), clock_(clock), ids_(ids) {}

void ApiHandler::Register(std::string name, Operation operation) {
  operations_[std::move(name)] = std::move(operation);
}

void ApiHandler::RegisterExtension(std::string name, Operation operation) {
  extensions_[std::move(name)] = std::move(operation);
}

Result<Json> ApiHandler::Dispatch(const HttpRequestView& request) const {
  if (request.method != "POST" || (request.path != "/" && !request.path.empty())) {
    return MakeError(ErrorCode::kUnknownOperation,
                     "The API is served at POST /, not " + std::string(request.method) + " " +
                         std::string(request.path));
  }
  if (request.body.size() > options_.max_body_bytes) {
    return MakeError(ErrorCode::kPayloadTooLarge,
                     "Request body of " + std::to_string(request.body.size()) +
                         " bytes exceeds the limit of " + std::to_string(options_.max_body_bytes) +
                         " bytes");
  }
  TY_RETURN_IF_ERROR(VerifySigV4(request, credentials_, options_.sigv4, clock_.NowMs()));

  std::string_view content_type = FindHeader(request, "Content-Type");
  if (!IsJson11(content_type)) {
    return MakeError(ErrorCode::kSerialization,
                     "Unsupported Content-Type '" + std::string(content_type) + "'; expected " +
                         std::string(kContentType));
  }
  std::string_view target = FindHeader(request, "X-Amz-Target");
  if (target.empty()) return MakeError(ErrorCode::kUnknownOperation, "Missing X-Amz-Target header");
  // botocore sends an empty body for operations without input members.
  std::string_view body = request.body.empty() ? std::string_view("{}") : request.body;
  if (StartsWith(target, kExtensionPrefix)) {
    auto ext = extensions_.find(std::string(target.substr(kExtensionPrefix.size())));
    if (ext == extensions_.end()) {
      return MakeError(ErrorCode::kUnknownOperation, "Unknown operation " + std::string(target));
    }
    TY_ASSIGN_OR_RETURN(Json json, ParseJson(body, {.max_depth = options_.max_json_depth}));
    return ext->second(json);
  }
  if (!StartsWith(target, kTargetPrefix)) {
    return MakeError(ErrorCode::kUnknownOperation, "Unknown operation " + std::string(target));
  }
  std::string operation(target.substr(kTargetPrefix.size()));
  auto it = operations_.find(operation);
  if (it == operations_.end()) {
    return MakeError(ErrorCode::kUnknownOperation, "Unknown operation " + std::string(target));
  }
  TY_ASSIGN_OR_RETURN(Json json, ParseJson(body, {.max_depth = options_.max_json_depth}));
  DropNullMembers(json);  // operations never see nulls
  TY_RETURN_IF_ERROR(ValidateRequest(operation, json));
  return it->second(json);
}

ApiResponse ApiHandler::Handle(const HttpRequestView& request) const {
  ApiResponse response;
  response.headers.emplace_back("x-amzn-RequestId", ids_.NewUuid());
  response.headers.emplace_back("Content-Type", std::string(kContentType));
  Result<Json> result = Dispatch(request);
  if (result.ok()) {
    response.body = DumpJson(*result);
    return response;
  }
  const Error& error = result.error();
  response.status = ToAwsError(error).http_status;
  response.body = AwsErrorBody(error);
  if (response.status >= 500) LogError("API " + std::string(FindHeader(request, "X-Amz-Target")) + ": " + error.ToString());
  return response;
}

}  // namespace trainyard
