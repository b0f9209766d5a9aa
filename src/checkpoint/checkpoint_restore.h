// RestoreCheckpoint: makes a local directory hold exactly one checkpoint
// state read back from a checkpoint URI: the newest by default (what an
// instance does at (re)start, before training begins), or the state as of a
// chosen point or time (`trainyard checkpoints get URI --at POINT|TIME DIR`).
//
// Where the URI has sync point manifests (sync_point.h), the state is the
// "as of" view (checkpoint_history.h) and every file is verified against its
// manifest's size and SHA-256: it is taken from its live key when the store
// lists that key with the listed size and what arrives has the right
// checksum, otherwise from its history key, checked the same way. When some
// file's content is found nowhere, the point it comes from is not durable and
// the restore falls back to the state just before that point (every writer
// rolls back to the points it had at that moment), again and again if
// needed; `skipped_points` says which points were passed over and why. So a
// mirror that crashed half-way through a sync never makes a restore mix two
// checkpoints.
//
// Where the URI has no manifests at all (written by SageMaker, `aws s3 cp` or
// an older tool), every object is restored except keys under ".trainyard/",
// as SageMaker does (a "plain" restore: no history, no verification beyond
// what arrives). Empty objects whose key ends in '/' (folder markers) are
// skipped.
//
// The local directory: created if missing. Downloads land in a staging area
// inside it and are put in place only once the whole state is verified, so a
// restore that fails before that leaves the directory as it was. (Local
// files are never trusted to hold a state's content, even with the right
// checksum: what the summary reports must be what the store holds.) Then
// every file that is not part of the state is removed,
// except names the caller protects; so an empty checkpoint URI empties the
// directory. Symlinks inside the directory are never followed or written
// through (one in the way is removed if unprotected); no path leaves it.
// Peak disk use: the files there before plus the state's bytes. Nothing is fsynced
// beyond what ObjectStore::GetFile does.
//
// Errors (messages start "restoring checkpoints from <uri>: "):
//   kNotFound           the selected point id, or any point at or before the
//                       selected time, does not exist (a plain checkpoint has
//                       no points, so any selection but the newest).
//   kFailedPrecondition no state at or before the selection is durable (the
//                       message names each point and the missing file), or
//                       manifests exist but none is readable; also a symlink
//                       or protected entry in the way of a file. Callers must
//                       not treat this as "no checkpoint": data was lost.
//   kResourceExhausted  the local disk filled up; the message says how many
//                       bytes the checkpoint needs.
//   kInvalidArgument    a store key that is not a safe relative path
//                       (plain restores; manifests are validated on reading).
//   Store errors (kUnavailable, ...) pass through with the context above.
//
// Thread safety: one restore per local directory at a time; the store must
// be thread-safe (downloads run in parallel).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_history.h"
#include "checkpoint/file_digest.h"
#include "checkpoint/sync_point.h"
#include "common/result.h"
#include "storage/object_store.h"

namespace trainyard {

struct RestoreProgress {
  int64_t bytes_done = 0;  // of the state's files downloaded and verified
  int64_t bytes_total = 0;
  int files_done = 0;
  int files_total = 0;
};

struct RestoreOptions {
  PointSelector at;            // default: the newest state
  int parallel_downloads = 8;  // files downloading at once; values < 1 are treated as 1
  // Relative names in the local directory never removed, with what is below
  // them (default: none). They are still overwritten when the state has a
  // file of that name.
  std::vector<std::string> protected_paths;
  // Optional. Called once at the start of each attempt (totals may change
  // after a fallback) and after each verified download; one call at a time,
  // from any thread.
  std::function<void(const RestoreProgress&)> on_progress;
};

struct RestoredFile {
  ManifestFile file;      // path, size, sha256 (plain restores: computed on arrival)
  FileIdentity identity;  // the local file after the restore
  // The content came from this path's live key, so the store's live mirror
  // holds it. False when it came from history (the live key holds something
  // else, e.g. from a sync that never finished) or from another path's key
  // with the same content: a mirror must upload the file again.
  bool live_verified = false;
  bool operator==(const RestoredFile&) const = default;
};

struct SkippedPoint {
  std::string point_id;
  std::string reason;
  bool operator==(const SkippedPoint&) const = default;
};

struct RestoreSummary {
  std::vector<std::string> point_ids;  // the points of the restored state; empty for a plain restore
  int files = 0;
  int64_t bytes = 0;
  std::vector<RestoredFile> restored;         // sorted by path
  std::vector<SkippedPoint> skipped_points;   // newest first
  std::vector<std::string> warnings;          // manifests that could not be read
};

Result<RestoreSummary> RestoreCheckpoint(ObjectStore& store, const std::string& local_dir,
                                         const RestoreOptions& options);

}  // namespace trainyard
