// Helpers shared by the commands that call a server's API.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include "cli/api_client.h"
#include "cli/commands.h"

namespace trainyard::cli {

// Builds a client from the flags, runs `body`, prints any error to stderr.
// Returns the exit code: 0 on success, 1 for API errors, 2 for configuration.
int WithClient(const ClientFlags& flags, const std::function<Status(ApiClient&)>& body);

// Adds --endpoint-url, --region, --profile and --json to `cmd`.
void AddClientFlags(CLI::App& cmd, ClientFlags& flags);

// The job's ARN for NAME_OR_ARN (ARNs pass through unchanged).
Result<std::string> ResolveJobArn(ApiClient& client, const std::string& name_or_arn);

}  // namespace trainyard::cli
