// `trainyard tags list JOB | add JOB KEY=VALUE... | delete JOB KEY...`
#include <cstdio>
#include <memory>

#include "cli/client_command.h"
#include "cli/table.h"

namespace trainyard::cli {
namespace {

struct TagArgs {
  std::string resource;
  std::vector<std::string> items;
};

Status ListTags(ApiClient& client, const ClientFlags& flags, const TagArgs& args) {
  TY_ASSIGN_OR_RETURN(std::string arn, ResolveJobArn(client, args.resource));
  TY_ASSIGN_OR_RETURN(Json tags, client.Call("ListTags", {{"ResourceArn", arn}}));
  if (flags.json) {
    std::printf("%s\n", tags.dump(2).c_str());
    return Ok();
  }
  std::vector<std::vector<std::string>> rows;
  for (const Json& t : tags["Tags"]) rows.push_back({GetString(t, "Key"), GetString(t, "Value")});
  std::printf("%s", RenderTable({"KEY", "VALUE"}, rows).c_str());
  return Ok();
}

Status AddTags(ApiClient& client, const TagArgs& args) {
  Json tags = Json::array();
  for (const std::string& item : args.items) {
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "tags are KEY=VALUE, got '" + item + "'");
    }
    tags.push_back({{"Key", item.substr(0, eq)}, {"Value", item.substr(eq + 1)}});
  }
  TY_ASSIGN_OR_RETURN(std::string arn, ResolveJobArn(client, args.resource));
  TY_RETURN_IF_ERROR(client.Call("AddTags", {{"ResourceArn", arn}, {"Tags", tags}}));
  return Ok();
}

Status DeleteTags(ApiClient& client, const TagArgs& args) {
  TY_ASSIGN_OR_RETURN(std::string arn, ResolveJobArn(client, args.resource));
  TY_RETURN_IF_ERROR(client.Call("DeleteTags", {{"ResourceArn", arn}, {"TagKeys", args.items}}));
  return Ok();
}

}  // namespace

void AddTagsCommand(CLI::App& app, ClientFlags& flags, int* exit_code) {
  CLI::App* tags = app.add_subcommand("tags", "List, add and delete a training job's tags");
  tags->require_subcommand(1);
  auto args = std::make_shared<TagArgs>();

  CLI::App* ls = tags->add_subcommand("list", "List a job's tags");
  AddClientFlags(*ls, flags);
  ls->add_option("job", args->resource, "Job name or ARN")->required();
  ls->callback([&flags, args, exit_code] {
    *exit_code = WithClient(flags, [&](ApiClient& c) { return ListTags(c, flags, *args); });
  });

  CLI::App* add = tags->add_subcommand("add", "Add or overwrite tags");
  AddClientFlags(*add, flags);
  add->add_option("job", args->resource, "Job name or ARN")->required();
  add->add_option("tags", args->items, "KEY=VALUE ...")->required();
  add->callback([&flags, args, exit_code] {
    *exit_code = WithClient(flags, [&](ApiClient& c) { return AddTags(c, *args); });
  });

  CLI::App* del = tags->add_subcommand("delete", "Delete tags by key");
  AddClientFlags(*del, flags);
  del->add_option("job", args->resource, "Job name or ARN")->required();
  del->add_option("keys", args->items, "KEY ...")->required();
  del->callback([&flags, args, exit_code] {
    *exit_code = WithClient(flags, [&](ApiClient& c) { return DeleteTags(c, *args); });
  });
}

}  // namespace trainyard::cli
