// HistoryKeeper: keeps a content that a retained sync point lists restorable
// when the live object holding it is about to be replaced or deleted, by a
// server-side Copy of the live object to HistoryKey(sha256).
//
// Copies at most once per content while the copy is fresh: a history object
// younger than `refresh_age` (by its store mtime, or by when this keeper
// copied it) is trusted to be there; an older one is copied again, which
// renews its mtime. Retention deletes only history objects that no retained
// point lists AND that are older than its grace period, so with
// refresh_age < RetentionOptions::history_grace a history object this
// keeper trusted cannot be collected before the point that needs it is
// visible (unless writing that point takes longer than the difference).
//
// Thread safety: Preserve may be called from any number of threads; the
// store must be thread-safe and outlive the keeper.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "storage/object_store.h"

namespace trainyard {

class HistoryKeeper {
 public:
  HistoryKeeper(ObjectStore& store, const Clock& clock, std::chrono::milliseconds refresh_age);

  // Makes HistoryKey(sha256) hold the content now at `live_key`, which the
  // caller knows to have that SHA-256. OK when it is there (fresh) already,
  // after copying it, or when `live_key` has no object any more (nothing is
  // left to keep). Store errors pass through with context.
  Status Preserve(std::string_view live_key, const std::string& sha256);

  int64_t Copies() const;  // server-side copies made so far

 private:
  bool Fresh(EpochMs written_ms, EpochMs now) const;
  void Remember(const std::string& sha256, EpochMs written_ms, EpochMs now);

  ObjectStore& store_;
  const Clock& clock_;
  const int64_t refresh_age_ms_;
  mutable std::mutex mu_;
  std::map<std::string, EpochMs> known_;  // sha256 -> when its history object was written
  int64_t copies_ = 0;
};

}  // namespace trainyard
