#include "checkpoint/history_keeper.h"

#include "checkpoint/sync_point.h"

namespace trainyard {
namespace {

constexpr size_t kPruneAbove = 4096;  // remembered contents before stale ones are dropped

}  // namespace

HistoryKeeper::HistoryKeeper(ObjectStore& store, const Clock& clock, std::chrono::milliseconds refresh_age)
    : store_(store), clock_(clock), refresh_age_ms_(refresh_age.count()) {}

bool HistoryKeeper::Fresh(EpochMs written_ms, EpochMs now) const { return now - written_ms < refresh_age_ms_; }

void HistoryKeeper::Remember(const std::string& sha256, EpochMs written_ms, EpochMs now) {
  std::lock_guard lock(mu_);
  known_[sha256] = written_ms;
  if (known_.size() <= kPruneAbove) return;
  std::erase_if(known_, [&](const auto& entry) { return !Fresh(entry.second, now); });
}

Status HistoryKeeper::Preserve(std::string_view live_key, const std::string& sha256) {
  const EpochMs now = clock_.NowMs();
  {
    std::lock_guard lock(mu_);
    auto known = known_.find(sha256);
    if (known != known_.end() && Fresh(known->second, now)) return Ok();
  }
  const std::string history_key = HistoryKey(sha256);
  Result<ObjectInfo> existing = store_.Head(history_key);
  if (existing.ok() && Fresh(existing->mtime_ms, now)) {
    Remember(sha256, existing->mtime_ms, now);
    return Ok();
  }
  if (!existing.ok() && existing.error().code != ErrorCode::kNotFound) {
    return existing.error().WithContext("keeping the history of " + std::string(live_key));
  }
  Status copied = store_.Copy(live_key, history_key);
  if (!copied.ok()) {
    if (copied.error().code == ErrorCode::kNotFound) return Ok();  // the live object is gone already
    return copied.error().WithContext("keeping the history of " + std::string(live_key));
  }
  {
    std::lock_guard lock(mu_);
    ++copies_;
  }
  Remember(sha256, now, now);
  return Ok();
}

int64_t HistoryKeeper::Copies() const {
  std::lock_guard lock(mu_);
  return copies_;
}

}  // namespace trainyard
