// JobLauncher: the seam between the API's service and the execution layer.
// The service records a change in the store first, then tells the launcher;
// the launcher must not block the caller (it hands work to its own threads).
// Thread safety: implementations are called from many request threads.
#pragma once

#include <string>

namespace trainyard {

class JobLauncher {
 public:
  virtual ~JobLauncher() = default;
  // A job was recorded InProgress/Starting: start executing it.
  virtual void JobCreated(const std::string& name) = 0;
  // A job was recorded Stopping by StopTrainingJob: stop its instances.
  virtual void StopRequested(const std::string& name) = 0;
};

}  // namespace trainyard
