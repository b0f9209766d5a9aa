// MirrorLedger: the bookkeeping core of CheckpointMirror. It knows what the
// store holds at each live key, which changes are still owed to the store,
// when each may be attempted, which contents older sync points still need,
// and when the next sync point is due. No I/O, no threads, no clock: callers
// pass the time (`now`, monotonic ms) and the results of their I/O, so every
// decision is a function of its inputs and is tested with tables.
//
// Per path, one operation runs at a time; a change that arrives meanwhile
// waits behind it (merged with others: the newest kind wins, the age is the
// oldest's). A change starts when it is ready:
//   - a completed file (closed after writing, renamed into place): after
//     `close_delay_ms` (so that a temp file closed and at once renamed into
//     place, the usual way to write a checkpoint, is never uploaded: its
//     removal drops the change);
//   - a file found by a scan: once its identity has not changed for
//     `settle_ms` (two observations that far apart), and only if it differs
//     from the version the store has;
//   - after a failure: per-path backoff for failures that concern the path
//     (kInvalidArgument, kFailedPrecondition, kNotFound, kAlreadyExists);
//     for all others the store is taken to be down: nothing starts until a
//     store-wide backoff ends, then one operation probes alone until one
//     succeeds.
// A sync point is due when no change is queued or running, the mirrored set
// of (path, size, sha256) differs from the last point's, and either no
// change arrived for `quiet_ms`, or `max_point_interval_ms` passed since the
// last point, or the caller is flushing. One point is written at a time; a
// failed one is retried as it was (same id) before any newer point.
//
// Not thread-safe: CheckpointMirror calls it under its lock.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "checkpoint/backoff_policy.h"
#include "checkpoint/file_digest.h"
#include "checkpoint/sync_point.h"
#include "common/clock.h"
#include "common/result.h"

namespace trainyard {

// What the store holds at one live key, as far as this writer knows.
struct LiveObject {
  int64_t size = 0;
  std::string sha256;     // empty: unknown (a failed write may have replaced or removed it)
  FileIdentity identity;  // the local version it was taken from
  bool operator==(const LiveObject&) const = default;
};

// Starting knowledge: the store has `file` at its live key, and the local
// file with `identity` has that content (what a restore reports).
struct KnownFile {
  ManifestFile file;
  FileIdentity identity;
};

enum class MirrorTaskKind { kUpload, kDelete, kWritePoint };

// One operation for a worker.
struct MirrorTask {
  MirrorTaskKind kind = MirrorTaskKind::kUpload;
  std::string path;                // kUpload, kDelete: the relative path = the live key
  std::optional<LiveObject> live;  // kUpload, kDelete: the live object before the task, if any
  SyncPoint point;                 // kWritePoint: the manifest to write
};

enum class TaskOutcomeKind {
  kDurable,        // done: an upload is at the live key (`uploaded`), a delete is gone, a point is written
  kUnchanged,      // upload not needed: the live key already has this content (`uploaded`)
  kSourceChanged,  // upload: the file changed while it was snapshotted; nothing was written
  kSourceGone,     // upload: the file is gone or not a regular file; nothing was written
  kFailed,         // `error`; `live_uncertain` when a write to the live key was attempted
};

struct TaskOutcome {
  TaskOutcomeKind kind = TaskOutcomeKind::kDurable;
  LiveObject uploaded;
  Error error;
  bool live_uncertain = false;
};

struct MirrorLedgerOptions {
  std::string host = "algo-1";  // the writer, in point ids
  std::string job_name;
  int64_t settle_ms = 2'000;
  int64_t close_delay_ms = 0;
  int64_t quiet_ms = 1'000;
  int64_t max_point_interval_ms = 60'000;
  BackoffOptions backoff;
  uint64_t random_seed = 0;  // jitter
  int protected_points = 10;  // how many newest points' contents are kept restorable
};

struct MirrorBacklog {
  int64_t files = 0;     // paths with a change queued or running
  int64_t bytes = 0;     // bytes of the uploads among them
  std::optional<int64_t> oldest_since_ms;  // when the oldest of those changes arrived
};

class MirrorLedger {
 public:
  explicit MirrorLedger(MirrorLedgerOptions options, int64_t now);

  // Starting knowledge, before any change: these are at their live keys,
  // and their set is the baseline the next point is compared with.
  void Seed(const std::vector<KnownFile>& files);

  // Changes. `path` is a relative path the mirror mirrors (checked by the caller).
  void FileCompleted(const std::string& path, int64_t size, int64_t now);
  // An observation of a regular file by a scan or a settle check; with
  // `immediate` (a flush: writers are done) no settling is needed.
  void FileFound(const std::string& path, const FileIdentity& identity, int64_t now, bool immediate);
  // Removed, or now something other than a regular file.
  void FileRemoved(const std::string& path, int64_t now);
  void TreeRemoved(const std::string& dir, int64_t now);
  // A complete scan: FileFound for each file, FileRemoved for each known or
  // pending path that is not among them.
  void ApplyScan(const std::map<std::string, FileIdentity>& files, int64_t now, bool immediate);

  // Paths whose settling observation is due: the caller stats each and
  // reports FileFound or FileRemoved.
  std::vector<std::string> SettleChecksDue(int64_t now) const;

  // The next operation to run, if one is ready; it counts as running until
  // Finish. `wall_now` dates a new sync point.
  std::optional<MirrorTask> StartNext(int64_t now, EpochMs wall_now, bool flushing);

  struct Finished {
    bool file_durable = false;  // an upload's close -> durable completed (kDurable or kUnchanged)
    int64_t lag_ms = 0;         // for it: now - when its oldest change arrived
  };
  Finished Finish(const MirrorTask& task, const TaskOutcome& outcome, int64_t now);

  // Whether a content is listed by one of the newest `protected_points`
  // points (or the seed), so it must be kept at its history key before the
  // live object holding it is replaced or deleted.
  bool IsProtected(const std::string& sha256) const;

  // Nothing owed: no change queued or running, no point running, pending or due.
  bool Idle() const;
  // The earliest time after `now` at which something becomes due (a settle
  // check, a retry, a point), or int64 max when nothing waits on time. What
  // is due already waits on a worker, not on time.
  int64_t NextDueMs(int64_t now, bool flushing) const;

  MirrorBacklog Backlog() const;
  int64_t FilesMirrored() const;  // live objects with known content
  int64_t BytesMirrored() const;
  int64_t Retries() const { return retries_; }
  const std::string& LastPointId() const { return last_point_id_; }
  const std::map<std::string, LiveObject>& Live() const { return live_; }

 private:
  struct Change {
    MirrorTaskKind kind = MirrorTaskKind::kUpload;
    int64_t since_ms = 0;    // when the oldest change merged into this one arrived
    int64_t size = 0;        // for the backlog
    bool settle = false;     // found by a scan: waits for a stable identity
    FileIdentity observed;   // settling: the last observation
    int64_t observed_ms = 0;
    int attempts = 0;        // failures so far
    int64_t retry_at_ms = 0;
  };
  struct PathWork {
    std::optional<Change> queued;
    std::optional<Change> running;
  };

  static Change NewChange(MirrorTaskKind kind, int64_t since_ms, int64_t size = 0);
  void Queue(const std::string& path, Change change, int64_t now);
  void Requeue(PathWork& work, Change ran);
  void Failed(PathWork& work, Change ran, const MirrorTask& task, const TaskOutcome& outcome, int64_t now);
  void NoteStoreFailure(const Error& error, int64_t now, int attempts, int64_t* retry_at_ms);
  void NoteStoreSuccess();
  bool ChangeReady(const Change& change, int64_t now) const;
  bool StoreOpen(int64_t now) const;
  bool Drained() const;
  std::vector<ManifestFile> CurrentFiles() const;
  bool PointDue(int64_t now, bool flushing) const;
  MirrorTask MakePoint(int64_t now, EpochMs wall_now);
  void Protect(const std::vector<ManifestFile>& files);
  void Tidy(const std::string& path);
  Finished FinishPoint(const TaskOutcome& outcome, int64_t now);

  const MirrorLedgerOptions options_;
  std::mt19937_64 random_;
  std::map<std::string, LiveObject> live_;
  std::map<std::string, PathWork> work_;
  int running_ = 0;
  int64_t retries_ = 0;
  int store_failures_ = 0;  // consecutive store-wide failures
  int64_t store_retry_at_ms_ = 0;
  int64_t last_change_ms_ = 0;
  // Points.
  std::vector<ManifestFile> last_point_files_;  // of the newest point made (written or pending)
  int64_t last_point_made_ms_ = 0;
  EpochMs last_point_time_ms_ = 0;
  std::string last_point_id_;                   // the newest point written
  std::optional<SyncPoint> pending_point_;      // made, not yet written
  bool point_running_ = false;
  int point_attempts_ = 0;
  int64_t point_retry_at_ms_ = 0;
  std::deque<std::set<std::string>> protected_sets_;
  std::map<std::string, int> protected_refs_;
};

}  // namespace trainyard
