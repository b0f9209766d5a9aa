// `trainyard jobs list | describe NAME | stop NAME`
#include <cstdio>
#include <memory>

#include "cli/client_command.h"
#include "cli/execution_tables.h"
#include "cli/table.h"

namespace trainyard::cli {
namespace {

struct ListFlags {
  std::string status, name_contains, sort_by = "CreationTime", sort_order = "Descending";
  int max_items = 100;
};

double Seconds(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

Status ListJobs(ApiClient& client, const ClientFlags& flags, const ListFlags& list) {
  Json request = {{"SortBy", list.sort_by}, {"SortOrder", list.sort_order}};
  if (!list.status.empty()) request["StatusEquals"] = list.status;
  if (!list.name_contains.empty()) request["NameContains"] = list.name_contains;
  Json summaries = Json::array();
  while (static_cast<int>(summaries.size()) < list.max_items) {
    request["MaxResults"] = std::min(100, list.max_items - static_cast<int>(summaries.size()));
    TY_ASSIGN_OR_RETURN(Json page, client.Call("ListTrainingJobs", request));
    for (Json& s : page["TrainingJobSummaries"]) summaries.push_back(std::move(s));
    std::string token = GetString(page, "NextToken");
    if (token.empty()) break;
    request["NextToken"] = token;
  }
  if (flags.json) {
    std::printf("%s\n", Json{{"TrainingJobSummaries", summaries}}.dump(2).c_str());
    return Ok();
  }
  std::vector<std::vector<std::string>> rows;
  for (const Json& s : summaries) {
    rows.push_back({GetString(s, "TrainingJobName"), GetString(s, "TrainingJobStatus"),
                    GetString(s, "SecondaryStatus"), FormatTime(Seconds(s, "CreationTime")),
                    FormatTime(Seconds(s, "TrainingEndTime"))});
  }
  std::printf("%s", RenderTable({"NAME", "STATUS", "SECONDARY", "CREATED", "ENDED"}, rows).c_str());
  return Ok();
}

void PrintDescription(const Json& job) {
  std::printf("Name:           %s\n", GetString(job, "TrainingJobName").c_str());
  std::printf("ARN:            %s\n", GetString(job, "TrainingJobArn").c_str());
  std::printf("Status:         %s / %s\n", GetString(job, "TrainingJobStatus").c_str(),
              GetString(job, "SecondaryStatus").c_str());
  if (job.contains("FailureReason")) std::printf("Failure reason: %s\n", GetString(job, "FailureReason").c_str());
  const Json& rc = job.value("ResourceConfig", Json::object());
  std::printf("Instances:      %lld x %s\n", static_cast<long long>(GetInt(rc, "InstanceCount").value_or(0)),
              GetString(rc, "InstanceType").c_str());
  std::printf("Created:        %s\n", FormatTime(Seconds(job, "CreationTime")).c_str());
  if (job.contains("TrainingStartTime")) std::printf("Started:        %s\n", FormatTime(Seconds(job, "TrainingStartTime")).c_str());
  if (job.contains("TrainingEndTime")) std::printf("Ended:          %s\n", FormatTime(Seconds(job, "TrainingEndTime")).c_str());
  if (job.contains("TrainingTimeInSeconds")) {
    std::printf("Training time:  %s (billable %s)\n",
                FormatDuration(GetInt(job, "TrainingTimeInSeconds").value_or(0)).c_str(),
                FormatDuration(GetInt(job, "BillableTimeInSeconds").value_or(0)).c_str());
  }
  std::string artifacts = GetString(job.value("ModelArtifacts", Json::object()), "S3ModelArtifacts");
  if (!artifacts.empty()) std::printf("Model:          %s\n", artifacts.c_str());
  std::vector<std::vector<std::string>> rows;
  for (const Json& t : job.value("SecondaryStatusTransitions", Json::array())) {
    rows.push_back({FormatTime(Seconds(t, "StartTime")), GetString(t, "Status"), GetString(t, "StatusMessage")});
  }
  std::printf("\nStatus history:\n%s", RenderTable({"TIME", "STATUS", "MESSAGE"}, rows).c_str());
  if (job.contains("FinalMetricDataList")) {
    rows.clear();
    for (const Json& m : job["FinalMetricDataList"]) {
      rows.push_back({GetString(m, "MetricName"), m.value("Value", Json()).dump(),
                      FormatTime(Seconds(m, "Timestamp"))});
    }
    std::printf("\nFinal metrics:\n%s", RenderTable({"METRIC", "VALUE", "TIME"}, rows).c_str());
  }
}

}  // namespace

void AddJobsCommand(CLI::App& app, ClientFlags& flags, int* exit_code) {
  CLI::App* jobs = app.add_subcommand("jobs", "List, describe and stop training jobs");
  jobs->require_subcommand(1);

  auto list = std::make_shared<ListFlags>();
  CLI::App* ls = jobs->add_subcommand("list", "List training jobs, newest first");
  AddClientFlags(*ls, flags);
  ls->add_option("--status", list->status, "Only jobs in this status (InProgress, Completed, ...)");
  ls->add_option("--name-contains", list->name_contains, "Only jobs whose name contains this");
  ls->add_option("--sort-by", list->sort_by, "Name, CreationTime or Status")->capture_default_str();
  ls->add_option("--sort-order", list->sort_order, "Ascending or Descending")->capture_default_str();
  ls->add_option("--max-items", list->max_items, "Stop after this many jobs")->capture_default_str();
  ls->callback([&flags, list, exit_code] {
    *exit_code = WithClient(flags, [&](ApiClient& c) { return ListJobs(c, flags, *list); });
  });

  auto name = std::make_shared<std::string>();
  CLI::App* describe = jobs->add_subcommand("describe", "Show one training job");
  AddClientFlags(*describe, flags);
  describe->add_option("name", *name, "Training job name")->required();
  describe->callback([&flags, name, exit_code] {
    *exit_code = WithClient(flags, [&](ApiClient& c) -> Status {
      TY_ASSIGN_OR_RETURN(Json job, c.Call("DescribeTrainingJob", {{"TrainingJobName", *name}}));
      TY_ASSIGN_OR_RETURN(Json execution,
                          c.Call("Trainyard.DescribeTrainingJobExecution", {{"TrainingJobName", *name}}));
      if (flags.json) {
        job["Trainyard"] = execution;
        std::printf("%s\n", job.dump(2).c_str());
        return Ok();
      }
      PrintDescription(job);
      PrintInstances(execution);
      PrintRestarts(execution, GetInt(job, "BillableTimeInSeconds").value_or(0));
      PrintCheckpoints(execution);
      return Ok();
    });
  });

  CLI::App* stop = jobs->add_subcommand("stop", "Stop a training job (SIGTERM, then SIGKILL after the grace period)");
  AddClientFlags(*stop, flags);
  stop->add_option("name", *name, "Training job name")->required();
  stop->callback([&flags, name, exit_code] {
    *exit_code = WithClient(flags, [&](ApiClient& c) -> Status {
      TY_RETURN_IF_ERROR(c.Call("StopTrainingJob", {{"TrainingJobName", *name}}));
      std::printf("Stopping %s\n", name->c_str());
      return Ok();
    });
  });
}

}  // namespace trainyard::cli
