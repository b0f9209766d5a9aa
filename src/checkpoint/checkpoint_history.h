// The history of a checkpoint URI: its sync points, and the checkpoint
// directory's state "as of" any of them (the rules are in sync_point.h).
//
// ListSyncPoints reads the manifests; ViewCheckpoint is the pure decision of
// which files make up the state at a moment, and which points they come from.
// Restores, `trainyard checkpoints list|get` and retention are built on these.
//
// Thread safety: ListSyncPoints is as safe as the store (it uses a private
// temporary directory); ViewCheckpoint is a pure function.
#pragma once

#include <string>
#include <vector>

#include "checkpoint/sync_point.h"
#include "common/clock.h"
#include "common/result.h"
#include "storage/object_store.h"

namespace trainyard {

// A key under kPointsPrefix named like a manifest whose content could not be
// understood (corrupt, truncated, or a format this version does not know).
struct UnreadableManifest {
  std::string point_id;  // from the key
  std::string reason;    // why it was skipped, for a warning
  bool operator==(const UnreadableManifest&) const = default;
};

struct SyncPointListing {
  std::vector<SyncPoint> points;                 // sorted by id (= time, then host)
  std::vector<UnreadableManifest> unreadable;    // sorted by point id
};

// Reads every manifest under kPointsPrefix. Keys there that are not named
// like a manifest are ignored; a manifest that cannot be parsed, or whose
// content disagrees with its key, is skipped and reported in `unreadable`
// (never fatal); one deleted between the listing and its read (a concurrent
// garbage collection) is left out silently. Store errors (kUnavailable, ...)
// pass through; a local temp directory that cannot be made gives an errno
// code.
Result<SyncPointListing> ListSyncPoints(ObjectStore& store);

// Which moment a view or a restore is of.
struct PointSelector {
  enum class Kind { kNewest, kPointId, kAsOfTime };
  Kind kind = Kind::kNewest;
  std::string point_id;  // kPointId: the state as of this point (it included)
  EpochMs time_ms = 0;   // kAsOfTime: the state as of this moment (points at it included)

  static PointSelector Newest() { return {}; }
  static PointSelector AtPoint(std::string id) { return {Kind::kPointId, std::move(id), 0}; }
  static PointSelector AsOf(EpochMs time_ms) { return {Kind::kAsOfTime, "", time_ms}; }
  std::string ToString() const;  // for messages: "sync point <id>", ...
};

// One file of a state, and the point whose manifest it comes from.
struct ViewFile {
  ManifestFile file;
  std::string point_id;
  bool operator==(const ViewFile&) const = default;
};

struct CheckpointView {
  // The points the state is made of: for each writer its newest point at or
  // before the moment, sorted by id. A point all of whose files lose clashes
  // is still listed.
  std::vector<std::string> point_ids;
  std::vector<ViewFile> files;  // sorted by path, one per path
  // How many of the (id-sorted) input points lie at or before the moment;
  // the view is made of points[0, horizon). A fallback recomputes the view
  // with a smaller horizon (ViewBefore).
  size_t horizon = 0;
  bool operator==(const CheckpointView&) const = default;

  std::vector<ManifestFile> Manifest() const;  // files without their origins
  int64_t TotalBytes() const;
};

// The state as of the selected moment. "At or before" is by id for kPointId
// (ids sort by time, then host) and by time_ms for kAsOfTime. On a path that
// several writers list, the point with the greater id wins.
// `points` must be sorted by id without duplicates (as ListSyncPoints gives).
// kNotFound when the selected id is not among `points`, or no point lies at
// or before the moment (including when there are no points).
Result<CheckpointView> ViewCheckpoint(const std::vector<SyncPoint>& points, const PointSelector& selector);

// The state made of points[0, horizon) only: the view "just before"
// points[horizon]. kNotFound when horizon is 0. Precondition: horizon <=
// points.size().
Result<CheckpointView> ViewBefore(const std::vector<SyncPoint>& points, size_t horizon);

}  // namespace trainyard
