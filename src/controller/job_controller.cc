#include "controller/job_controller.h"

#include <algorithm>
#include <cctype>

#include "common/log.h"

namespace trainyard {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

JobController::JobController(JobRunDeps deps, JobRunOptions options)
    : deps_(deps), options_(std::move(options)) {}

JobController::~JobController() { Shutdown(); }

void JobController::set_server_url(std::string url) {
  std::lock_guard lock(mu_);
  options_.server_url = std::move(url);
}

Status JobController::ResumeActiveJobs() {
  TY_ASSIGN_OR_RETURN(std::vector<std::string> names, deps_.store.ListActiveJobNames());
  for (const std::string& name : names) StartRun(name);
  if (!names.empty()) LogInfo("resumed " + std::to_string(names.size()) + " active job(s)");
  return Ok();
}

void JobController::Shutdown() {
  std::map<std::string, std::shared_ptr<JobRun>> runs;
  {
    std::lock_guard lock(mu_);
    runs.swap(runs_);
    for (const auto& [name, run] : runs) rendezvous_.Forget(name);
  }
  for (auto& [name, run] : runs) run->Shutdown();
}

void JobController::StartRun(const std::string& name) {
  std::lock_guard lock(mu_);
  // Forget runs that have finished, so the map holds only live ones.
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (it->second->Done()) {
      rendezvous_.Forget(it->first);
      it = runs_.erase(it);
    } else {
      ++it;
    }
  }
  auto& slot = runs_[Lower(name)];
  if (slot) return;
  slot = std::make_shared<JobRun>(name, deps_, options_);
  slot->Start();
}

void JobController::JobCreated(const std::string& name) { StartRun(name); }

void JobController::StopRequested(const std::string& name) {
  if (std::shared_ptr<JobRun> run = Find(name)) run->RequestStop();
}

std::shared_ptr<JobRun> JobController::Find(const std::string& job) {
  std::lock_guard lock(mu_);
  auto it = runs_.find(Lower(job));
  return it == runs_.end() ? nullptr : it->second;
}

Result<Assignment> JobController::Register(const std::string& job, const std::string& host,
                                           const std::string& token) {
  std::shared_ptr<JobRun> run = Find(job);
  if (!run) return MakeError(ErrorCode::kUnrecognizedClient, "no running job " + job);
  return run->Register(host, token);
}

Result<AgentCommand> JobController::Report(const std::string& job, const std::string& host,
                                           const std::string& token, const AgentReport& report) {
  std::shared_ptr<JobRun> run = Find(job);
  // A finished job's late agent is told to exit rather than refused.
  if (!run) return MakeError(ErrorCode::kUnrecognizedClient, "no running job " + job);
  return run->Report(host, token, report);
}

Result<std::shared_ptr<RendezvousStore>> JobController::RendezvousFor(const std::string& job,
                                                                      const std::string& host,
                                                                      const std::string& token,
                                                                      const std::string& key) {
  std::shared_ptr<JobRun> run = Find(job);
  if (!run || !run->Admits(host, token)) {
    return MakeError(ErrorCode::kUnrecognizedClient, "no running job " + job + " with host " + host +
                                                         " and that token");
  }
  TY_RETURN_IF_ERROR(ValidateRendezvousKey(key));
  std::string prefix = run->RendezvousPrefix();
  if (!key.starts_with(prefix)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "rendezvous key '" + key + "' is not below the current attempt's prefix " +
                         prefix);
  }
  return rendezvous_.ForAttempt(Lower(job), prefix);
}

Status JobController::RendezvousSet(const std::string& job, const std::string& host,
                                    const std::string& token, const std::string& key,
                                    std::string value) {
  TY_ASSIGN_OR_RETURN(std::shared_ptr<RendezvousStore> store, RendezvousFor(job, host, token, key));
  return store->Set(key, std::move(value));
}

Result<std::optional<std::string>> JobController::RendezvousGet(const std::string& job,
                                                                const std::string& host,
                                                                const std::string& token,
                                                                const std::string& key) {
  TY_ASSIGN_OR_RETURN(std::shared_ptr<RendezvousStore> store, RendezvousFor(job, host, token, key));
  return store->Get(key);
}

}  // namespace trainyard
