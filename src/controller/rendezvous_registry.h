// RendezvousRegistry: the rendezvous stores of the running jobs, one per job,
// holding the keys of the job's current attempt only.
//
// Each attempt of a job has its own key prefix (JobRun::RendezvousPrefix(),
// "attempt-<n>/"). The first call with a new prefix for a job (a restart)
// drops the previous attempt's keys and retires its prefix for good, so a
// late agent of an old attempt can neither read nor revive its keys.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/result.h"
#include "controller/rendezvous_store.h"

namespace trainyard {

class RendezvousRegistry {
 public:
  explicit RendezvousRegistry(RendezvousStoreOptions options = {});

  // The store of `job` for the attempt whose keys start with `prefix`,
  // created on first use. kFailedPrecondition when `prefix` belongs to an
  // attempt of `job` that a later one has replaced.
  Result<std::shared_ptr<RendezvousStore>> ForAttempt(const std::string& job,
                                                      const std::string& prefix);
  // Drops the job's store (its run is over); a later call starts afresh.
  void Forget(const std::string& job);
  size_t job_count() const;

 private:
  struct JobEntry {
    std::string prefix;
    std::set<std::string> retired;
    std::shared_ptr<RendezvousStore> store;
  };

  const RendezvousStoreOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, JobEntry> jobs_;
};

}  // namespace trainyard
