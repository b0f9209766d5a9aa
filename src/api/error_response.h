// The one place where errors become HTTP: maps an Error to SageMaker's
// awsJson1_1 error shape, {"__type": "<Code>", "message": "<text>"}, with the
// status code AWS uses for it. Modeled exceptions (ResourceInUse,
// ResourceNotFound, ResourceLimitExceeded) carry "Message", as their shapes do.
#pragma once

#include <string>

#include "common/result.h"

namespace trainyard {

struct AwsError {
  int http_status;
  std::string type;  // "__type"
};

AwsError ToAwsError(const Error& error);

// The JSON body for an error.
std::string AwsErrorBody(const Error& error);

}  // namespace trainyard
