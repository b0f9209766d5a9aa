// The store side of CheckpointMirror's operations, one function per
// MirrorTask kind: each does its I/O and reports a TaskOutcome for the
// ledger. No locks, no retries (the ledger decides those).
//
//   upload  snapshot the local file into `scratch_path` (file_snapshot.h;
//           no symlink below local_dir is followed), give up if the path
//           is gone by then (kSourceGone),
//           skip if the live key already has that content, keep the live
//           object's content in history if a retained point lists it, put
//           the snapshot at the live key
//   delete  keep the live content in history if listed, delete the live key
//   point   write the manifest (ToJson(SyncPoint)) to `scratch_path`, put it
//           at ManifestKey(id)
//
// Thread safety: each call uses only its arguments; concurrent calls need
// distinct scratch paths.
#pragma once

#include <functional>
#include <string>

#include "checkpoint/history_keeper.h"
#include "checkpoint/mirror_ledger.h"
#include "storage/object_store.h"

namespace trainyard {

struct MirrorTaskContext {
  ObjectStore& store;
  HistoryKeeper& history;
  std::string local_dir;     // the mirrored directory; task paths are relative to it
  std::string scratch_path;  // a private file for this call (a snapshot or a manifest)
  // Whether a content must be kept in history before its live object goes.
  std::function<bool(const std::string& sha256)> is_protected;
};

TaskOutcome RunUpload(const MirrorTask& task, const MirrorTaskContext& context);
TaskOutcome RunDelete(const MirrorTask& task, const MirrorTaskContext& context);
TaskOutcome RunWritePoint(const MirrorTask& task, const MirrorTaskContext& context);

}  // namespace trainyard
