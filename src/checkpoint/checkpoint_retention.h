// Retention for a checkpoint URI: which sync points to keep, and garbage
// collection of the manifests and history objects nothing needs any more.
//
// Rules (PlanCheckpointGarbage decides, CollectCheckpointGarbage does it):
//  - Each writer (host) keeps its newest `keep_last` readable points; its
//    older manifests are deleted. The newest point of every writer is always
//    kept. Live keys are never touched.
//  - An unreadable manifest (corrupt, or a newer format) is deleted only when
//    it is older than its writer's oldest kept point; while one is kept, no
//    history object is deleted at all, since it may reference any of them.
//  - A history object (".trainyard/history/<sha256>") is deleted when no kept
//    point of any writer lists its sha256 and it is older than
//    `history_grace`: a writer may be about to write a manifest that needs
//    it. (So a writer that relies on an existing history object must refresh
//    it, by copying it again, before its manifest is written.) Other keys
//    under the history prefix are left alone.
//
// Order: manifests are deleted before history objects, oldest first. A run
// that dies half-way therefore never leaves a manifest whose history is gone
// (every manifest that exists stays restorable); at worst it leaves history
// objects no manifest lists, which the next run deletes. Runs are idempotent.
//
// Thread safety: the plan is a pure function; collection may run while
// writers mirror into the URI (see the grace period above), and two
// collections at once are harmless (deletes are idempotent).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_history.h"
#include "common/clock.h"
#include "common/result.h"
#include "storage/object_store.h"

namespace trainyard {

struct RetentionOptions {
  int keep_last = 10;  // sync points kept per writer (host); values < 1 are treated as 1
  std::chrono::milliseconds history_grace{std::chrono::minutes(10)};  // history objects younger than this are never deleted
};

struct GarbageReport {
  int points_deleted = 0;
  int history_deleted = 0;
};

struct GarbagePlan {
  std::vector<std::string> manifest_keys;  // to delete first, oldest first
  std::vector<std::string> history_keys;   // to delete after them, sorted
  // Why history objects are all kept this time (an unreadable manifest is
  // kept), for a warning; empty otherwise.
  std::string history_held_back;
  bool operator==(const GarbagePlan&) const = default;
};

// `history` is a listing of kHistoryPrefix (other keys are ignored).
GarbagePlan PlanCheckpointGarbage(const SyncPointListing& listing, const std::vector<ObjectInfo>& history,
                                  const RetentionOptions& options, EpochMs now_ms);

// Lists the URI, plans, and deletes. Counts what it deleted. The first store
// error stops the run and is returned (with context "collecting checkpoint
// garbage in <uri>"); what was deleted before stays deleted, and the next run
// finishes the job.
Result<GarbageReport> CollectCheckpointGarbage(ObjectStore& store, const RetentionOptions& options, EpochMs now_ms);

}  // namespace trainyard
