// JobController: runs every active training job (one JobRun each) and routes
// agents' calls to the right run. It is the JobLauncher the API's service
// talks to and the AgentGateway the agent endpoints talk to, and it keeps
// each running job's rendezvous store (for the collective check), dropped
// with the run.
//
// ResumeActiveJobs() (at server start) picks up the jobs that were InProgress
// or Stopping when the previous server process ended; their agents kept
// running and report to the new process.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "controller/agent_gateway.h"
#include "controller/job_launcher.h"
#include "controller/job_run.h"
#include "controller/rendezvous_registry.h"

namespace trainyard {

class JobController : public JobLauncher, public AgentGateway {
 public:
  JobController(JobRunDeps deps, JobRunOptions options);
  ~JobController() override;

  void set_server_url(std::string url);
  Status ResumeActiveJobs();
  // Stops every run's thread; instances keep running (they are adopted later).
  void Shutdown();

  void JobCreated(const std::string& name) override;
  void StopRequested(const std::string& name) override;

  Result<Assignment> Register(const std::string& job, const std::string& host,
                              const std::string& token) override;
  Result<AgentCommand> Report(const std::string& job, const std::string& host,
                              const std::string& token, const AgentReport& report) override;
  Status RendezvousSet(const std::string& job, const std::string& host, const std::string& token,
                       const std::string& key, std::string value) override;
  Result<std::optional<std::string>> RendezvousGet(const std::string& job, const std::string& host,
                                                   const std::string& token,
                                                   const std::string& key) override;

 private:
  std::shared_ptr<JobRun> Find(const std::string& job);
  void StartRun(const std::string& name);
  // The job's store for its current attempt, after checking the agent and the key.
  Result<std::shared_ptr<RendezvousStore>> RendezvousFor(const std::string& job,
                                                         const std::string& host,
                                                         const std::string& token,
                                                         const std::string& key);

  JobRunDeps deps_;
  JobRunOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<JobRun>> runs_;  // by lower-cased name
  RendezvousRegistry rendezvous_;                        // by lower-cased name
};

}  // namespace trainyard
