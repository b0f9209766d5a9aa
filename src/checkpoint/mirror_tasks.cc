#include "checkpoint/mirror_tasks.h"

#include <fcntl.h>
#include <unistd.h>

#include "checkpoint/file_snapshot.h"
#include "common/json.h"
#include "storage/local_fs.h"

namespace trainyard {
namespace {

TaskOutcome Outcome(TaskOutcomeKind kind, LiveObject uploaded = {}) {
  TaskOutcome outcome;
  outcome.kind = kind;
  outcome.uploaded = std::move(uploaded);
  return outcome;
}

TaskOutcome Failed(Error error, bool live_uncertain) {
  TaskOutcome outcome = Outcome(TaskOutcomeKind::kFailed);
  outcome.error = std::move(error);
  outcome.live_uncertain = live_uncertain;
  return outcome;
}

// Keeps the live object's content restorable if a retained point lists it.
Status KeepHistory(const MirrorTask& task, const MirrorTaskContext& context) {
  if (!task.live || task.live->sha256.empty() || !context.is_protected(task.live->sha256)) return Ok();
  return context.history.Preserve(task.path, task.live->sha256);
}

Status WriteScratch(const std::string& path, const std::string& content) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return ErrnoError(errno, "creating " + path);
  TY_RETURN_IF_ERROR(WriteAll(fd.get(), content.data(), content.size()));
  if (close(fd.release()) != 0) return ErrnoError(errno, "closing " + path);
  return Ok();
}

}  // namespace

TaskOutcome RunUpload(const MirrorTask& task, const MirrorTaskContext& context) {
  Result<FileSnapshot> snapshot = SnapshotFileBeneath(context.local_dir, task.path, context.scratch_path);
  if (!snapshot.ok()) {
    ErrorCode code = snapshot.error().code;
    if (code == ErrorCode::kNotFound || code == ErrorCode::kInvalidArgument) {
      return Outcome(TaskOutcomeKind::kSourceGone);
    }
    return Failed(snapshot.error(), false);
  }
  struct Scratch {
    const std::string& path;
    ~Scratch() { unlink(path.c_str()); }
  } scratch{context.scratch_path};
  if (!snapshot->stable) return Outcome(TaskOutcomeKind::kSourceChanged);
  // Renamed away or deleted meanwhile (a temp file renamed into place right
  // after its close): its removal follows, so uploading it would be waste.
  // A path that names a newer file is still uploaded: a whole version now
  // beats none for a file rewritten faster than it can be snapshotted.
  Result<FileIdentity> now_there = StatFileIdentity(context.local_dir + "/" + task.path);
  if (!now_there.ok() && (now_there.error().code == ErrorCode::kNotFound ||
                          now_there.error().code == ErrorCode::kInvalidArgument)) {
    return Outcome(TaskOutcomeKind::kSourceGone);
  }
  LiveObject uploaded{snapshot->size, snapshot->sha256, snapshot->identity};
  if (task.live && task.live->sha256 == uploaded.sha256) {
    return Outcome(TaskOutcomeKind::kUnchanged, uploaded);
  }
  Status kept = KeepHistory(task, context);
  if (!kept.ok()) return Failed(kept.error().WithContext("mirroring " + task.path), false);
  Status put = context.store.PutFile(task.path, context.scratch_path);
  if (!put.ok()) return Failed(put.error().WithContext("mirroring " + task.path), true);
  return Outcome(TaskOutcomeKind::kDurable, uploaded);
}

TaskOutcome RunDelete(const MirrorTask& task, const MirrorTaskContext& context) {
  Status kept = KeepHistory(task, context);
  if (!kept.ok()) return Failed(kept.error().WithContext("mirroring the deletion of " + task.path), false);
  Status deleted = context.store.Delete(task.path);
  if (!deleted.ok()) return Failed(deleted.error().WithContext("mirroring the deletion of " + task.path), true);
  return Outcome(TaskOutcomeKind::kDurable);
}

TaskOutcome RunWritePoint(const MirrorTask& task, const MirrorTaskContext& context) {
  const std::string context_text = "writing sync point " + task.point.id;
  Status written = WriteScratch(context.scratch_path, DumpJson(ToJson(task.point)));
  if (written.ok()) written = context.store.PutFile(ManifestKey(task.point.id), context.scratch_path);
  unlink(context.scratch_path.c_str());
  if (!written.ok()) return Failed(written.error().WithContext(context_text), false);
  return Outcome(TaskOutcomeKind::kDurable);
}

}  // namespace trainyard
