#include "checkpoint/checkpoint_retention.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/log.h"

namespace trainyard {
namespace {

// What one writer has: its readable point ids and unreadable ones, sorted.
struct WriterPoints {
  std::vector<std::string> readable;
  std::vector<std::string> unreadable;
};

std::map<std::string, WriterPoints> ByWriter(const SyncPointListing& listing) {
  std::map<std::string, WriterPoints> writers;
  for (const SyncPoint& point : listing.points) writers[point.host].readable.push_back(point.id);
  for (const UnreadableManifest& manifest : listing.unreadable) {
    Result<PointIdParts> parts = ParsePointId(manifest.point_id);
    if (parts.ok()) writers[parts->host].unreadable.push_back(manifest.point_id);
  }
  for (auto& [host, points] : writers) {
    std::sort(points.readable.begin(), points.readable.end());
    std::sort(points.unreadable.begin(), points.unreadable.end());
  }
  return writers;
}

// Which manifests go and which readable points stay, by the rules in the
// header.
struct PointDecision {
  std::set<std::string> kept;       // readable point ids
  std::vector<std::string> doomed;  // point ids, oldest first
  std::string held_back;            // why no history may go, if so
};

PointDecision DecidePoints(const SyncPointListing& listing, size_t keep_last) {
  PointDecision decision;
  for (const auto& [host, points] : ByWriter(listing)) {
    const size_t first_kept = points.readable.size() > keep_last ? points.readable.size() - keep_last : 0;
    for (size_t i = 0; i < points.readable.size(); ++i) {
      if (i < first_kept) {
        decision.doomed.push_back(points.readable[i]);
      } else {
        decision.kept.insert(points.readable[i]);
      }
    }
    for (const std::string& id : points.unreadable) {
      bool older_than_kept = !points.readable.empty() && id < points.readable[first_kept];
      if (older_than_kept) {
        decision.doomed.push_back(id);
      } else if (decision.held_back.empty()) {
        decision.held_back = "the unreadable manifest of point " + id + " is kept";
      }
    }
  }
  std::sort(decision.doomed.begin(), decision.doomed.end());  // ids sort by time
  return decision;
}

}  // namespace

GarbagePlan PlanCheckpointGarbage(const SyncPointListing& listing, const std::vector<ObjectInfo>& history,
                                  const RetentionOptions& options, EpochMs now_ms) {
  const PointDecision decision = DecidePoints(listing, static_cast<size_t>(std::max(options.keep_last, 1)));
  GarbagePlan plan;
  for (const std::string& id : decision.doomed) plan.manifest_keys.push_back(ManifestKey(id));
  plan.history_held_back = decision.held_back;
  if (!plan.history_held_back.empty()) return plan;
  std::set<std::string> referenced;
  for (const SyncPoint& point : listing.points) {
    if (!decision.kept.contains(point.id)) continue;
    for (const ManifestFile& file : point.files) referenced.insert(file.sha256);
  }
  const EpochMs grace_ms = options.history_grace.count();
  for (const ObjectInfo& object : history) {
    std::optional<std::string> sha = Sha256FromHistoryKey(object.key);
    if (!sha || referenced.contains(*sha)) continue;
    if (now_ms - object.mtime_ms <= grace_ms) continue;  // young: a writer may be about to need it
    plan.history_keys.push_back(object.key);
  }
  std::sort(plan.history_keys.begin(), plan.history_keys.end());
  return plan;
}

Result<GarbageReport> CollectCheckpointGarbage(ObjectStore& store, const RetentionOptions& options, EpochMs now_ms) {
  const std::string context = "collecting checkpoint garbage in " + store.Uri();
  // History is listed before the manifests: every history object considered
  // existed before the manifests were read, so no manifest written before
  // then can need one that the plan deletes.
  Result<std::vector<ObjectInfo>> history = store.List(kHistoryPrefix);
  if (!history.ok()) return history.error().WithContext(context);
  Result<SyncPointListing> listing = ListSyncPoints(store);
  if (!listing.ok()) return listing.error().WithContext(context);
  GarbagePlan plan = PlanCheckpointGarbage(*listing, *history, options, now_ms);
  if (!plan.history_held_back.empty()) {
    LogWarning(context + ": keeping every history object: " + plan.history_held_back);
  }
  GarbageReport report;
  for (const std::string& key : plan.manifest_keys) {
    Status deleted = store.Delete(key);
    if (!deleted.ok()) return deleted.error().WithContext(context);
    ++report.points_deleted;
  }
  for (const std::string& key : plan.history_keys) {
    Status deleted = store.Delete(key);
    if (!deleted.ok()) return deleted.error().WithContext(context);
    ++report.history_deleted;
  }
  return report;
}

}  // namespace trainyard
