// NoInstanceLauncher: a JobLauncher for a control plane with no instance
// backend. Jobs stay InProgress/Starting until stopped; a stop completes at
// once because there is nothing to stop. Tests of the API use it; the server
// uses the real controller once a backend is configured.
#pragma once

#include "common/clock.h"
#include "controller/job_launcher.h"
#include "store/job_store.h"

namespace trainyard {

class NoInstanceLauncher : public JobLauncher {
 public:
  NoInstanceLauncher(JobStore& store, const Clock& clock) : store_(store), clock_(clock) {}
  void JobCreated(const std::string& name) override {}
  void StopRequested(const std::string& name) override;

 private:
  JobStore& store_;
  const Clock& clock_;
};

}  // namespace trainyard
