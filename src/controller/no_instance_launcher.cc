#include "controller/no_instance_launcher.h"

#include "common/log.h"

namespace trainyard {

void NoInstanceLauncher::StopRequested(const std::string& name) {
  Result<TrainingJob> stopped = store_.UpdateJob(name, [&](TrainingJob& job) -> Status {
    EpochMs now = clock_.NowMs();
    TY_ASSIGN_OR_RETURN(job.state, ApplyEvent(job.state, {JobEventKind::kStopCompleted, ""}, now));
    job.last_modified_time = now;
    return Ok();
  });
  if (!stopped.ok()) LogWarning("stopping " + name + ": " + stopped.error().ToString());
}

}  // namespace trainyard
