#include "cli/client_command.h"

namespace trainyard::cli {

void AddClientFlags(CLI::App& cmd, ClientFlags& flags) {
  cmd.add_option("--endpoint-url", flags.endpoint_url,
                 "Server URL (default $TRAINYARD_ENDPOINT_URL or http://127.0.0.1:8080)");
  cmd.add_option("--region", flags.region, "Region to sign for (default $AWS_REGION or us-east-1)");
  cmd.add_option("--profile", flags.profile, "Profile in ~/.aws/credentials");
  cmd.add_flag("--json", flags.json, "Print the API's JSON instead of a table");
}

int WithClient(const ClientFlags& flags, const std::function<Status(ApiClient&)>& body) {
  Result<ClientConfig> config = ResolveClientConfig(flags.endpoint_url, flags.region, flags.profile);
  if (!config.ok()) {
    std::fprintf(stderr, "trainyard: %s\n", config.error().message.c_str());
    return 2;
  }
  ApiClient client(*config);
  Status status = body(client);
  if (!status.ok()) {
    std::fprintf(stderr, "trainyard: %s\n", status.error().message.c_str());
    return 1;
  }
  return 0;
}

Result<std::string> ResolveJobArn(ApiClient& client, const std::string& name_or_arn) {
  if (name_or_arn.rfind("arn:", 0) == 0) return name_or_arn;
  TY_ASSIGN_OR_RETURN(Json job, client.Call("DescribeTrainingJob", {{"TrainingJobName", name_or_arn}}));
  return GetString(job, "TrainingJobArn");
}

}  // namespace trainyard::cli
