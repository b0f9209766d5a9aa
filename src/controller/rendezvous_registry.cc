#include "controller/rendezvous_registry.h"

namespace trainyard {

RendezvousRegistry::RendezvousRegistry(RendezvousStoreOptions options) : options_(options) {}

Result<std::shared_ptr<RendezvousStore>> RendezvousRegistry::ForAttempt(
    const std::string& job, const std::string& prefix) {
  std::lock_guard lock(mu_);
  JobEntry& entry = jobs_[job];
  if (!entry.store) {
    entry.store = std::make_shared<RendezvousStore>(options_);
    entry.prefix = prefix;
  }
  if (entry.prefix != prefix) {
    if (entry.retired.count(prefix) > 0) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "rendezvous prefix " + prefix + " belongs to an earlier attempt");
    }
    entry.store->DropBelow(entry.prefix);
    entry.retired.insert(entry.prefix);
    entry.prefix = prefix;
  }
  return entry.store;
}

void RendezvousRegistry::Forget(const std::string& job) {
  std::lock_guard lock(mu_);
  jobs_.erase(job);
}

size_t RendezvousRegistry::job_count() const {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

}  // namespace trainyard
