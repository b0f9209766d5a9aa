// CheckpointMirror: keeps a checkpoint URI (an ObjectStore rooted there)
// a mirror of the local checkpoint directory while a job trains, with
// SageMaker's semantics plus sync points (see sync_point.h for the layout):
//
//   - a file is uploaded once it is complete (closed after writing, or
//     renamed into place), never half-written; deletions and renames away
//     delete the live key. Paths under ".trainyard", our temp files
//     (".ty-partial-*" segments) and non-regular files are never mirrored.
//   - the object at a live key is always one whole version of the file:
//     uploads are made from a private snapshot (file_snapshot.h) taken into
//     `staging_dir`; a file rewritten meanwhile is uploaded again.
//   - before a live object whose content a retained sync point lists is
//     replaced or deleted, that content is copied to its history key
//     (history_keeper.h), so older points stay restorable.
//   - once nothing is owed to the store and no change arrived for
//     `point_quiet_period`, if the set of (path, size, sha256) differs from
//     the last point's, a manifest is written (after all its files are
//     durable), then the garbage collector runs.
//   - a periodic rescan (and one after lost events) compares the directory
//     with what the store has, as a safety net; a file a rescan finds
//     changed is uploaded once its identity is stable for `settle_period`.
//   - store failures never block the training script: operations stay
//     queued and are retried with exponential backoff and jitter
//     (mirror_ledger.h), the backlog shows in SyncStatus(), and when the
//     store is back everything owed is written.
//
// Costs and limits: every uploaded version is read and written once more
// locally (the snapshot); a file closed in a directory so new that its
// watch was not yet in place is only "found" by that directory's scan and
// waits `settle_period` like a rescan finding; a server-side Copy per
// replaced content that a retained point lists.
//
// Threads: one control thread waits on the DirectoryWatcher (the only place
// it blocks; Wake interrupts it) and decides; `workers` threads run store
// operations, at most one per path at a time. Time comes from the Clock:
// with a FakeClock, advance it and call watcher.Wake() so the control
// thread looks at it.
//
// Thread safety: all public methods may be called from any thread. The
// store, watcher and clock must be thread-safe and outlive the mirror. The
// callbacks in the options run on the mirror's threads, without its lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "checkpoint/directory_watcher.h"
#include "checkpoint/history_keeper.h"
#include "checkpoint/mirror_ledger.h"
#include "common/clock.h"
#include "common/result.h"
#include "storage/object_store.h"

namespace trainyard {

// A file whose close (or rename into place) became durable in the store.
struct DurableFile {
  std::string path;
  int64_t size = 0;
  int64_t lag_ms = 0;  // from when the mirror saw the change to when the store confirmed it
};

// Runs retention after a point is written; wire it to
// CollectCheckpointGarbage(store, retention_options, now_ms) (a failure is
// recorded and logged; the point stays written).
using CheckpointGarbageCollector = std::function<Status(EpochMs now_ms)>;

struct CheckpointMirrorOptions {
  std::string local_dir;    // required: the directory to mirror (CheckpointConfig.LocalPath)
  // Where snapshots and manifests are staged before upload. Must be on the
  // same filesystem as local_dir and outside it or under its ".trainyard".
  // Default: "<local_dir>/.trainyard/staging". Holds at most one file per
  // worker (a snapshot is as large as the file).
  std::string staging_dir;
  std::string host = "algo-1";  // the writer's name in point ids: a single key segment
  std::string job_name;         // recorded in manifests
  int workers = 4;              // store operations in flight at once
  std::chrono::milliseconds point_quiet_period{1'000};
  // Also write a point at a moment with nothing owed when changes never
  // stop for point_quiet_period, at most this long after the last point.
  std::chrono::milliseconds point_max_interval{60'000};
  std::chrono::milliseconds rescan_interval{10'000};
  std::chrono::milliseconds settle_period{2'000};
  // How long a completed file waits before its snapshot: a temp file closed
  // and renamed into place within it is never uploaded.
  std::chrono::milliseconds close_delay{0};
  BackoffOptions backoff;       // 250 ms doubling to 30 s, jitter 0.5
  uint64_t random_seed = 0;     // for the jitter
  // How many of the newest points (own, plus the restored state) keep their
  // contents restorable; at least RetentionOptions::keep_last.
  int protected_points = 10;
  // Less than RetentionOptions::history_grace (see history_keeper.h).
  std::chrono::milliseconds history_refresh_age{std::chrono::minutes(5)};
  CheckpointGarbageCollector collect_garbage;         // empty: no collection
  std::function<void(const DurableFile&)> on_durable;  // empty: none
};

// A snapshot for the UI.
struct CheckpointSyncStatus {
  int64_t files_mirrored = 0;   // files at their live key with known content
  int64_t bytes_mirrored = 0;
  EpochMs last_sync_ms = 0;     // when the store last confirmed a write or delete (0: never)
  int64_t lag_ms = 0;           // age of the oldest change not yet durable (0: none)
  int64_t backlog_files = 0;    // paths with a change not yet durable
  int64_t backlog_bytes = 0;    // bytes of the uploads among them
  int64_t retries = 0;          // failed operations retried so far
  std::string last_error;       // empty: none yet
  EpochMs last_error_ms = 0;
  std::string last_point_id;    // the newest sync point written (empty: none)
};

class CheckpointMirror {
 public:
  CheckpointMirror(ObjectStore& store, DirectoryWatcher& watcher, const Clock& clock,
                   CheckpointMirrorOptions options);
  ~CheckpointMirror();  // Stop()
  CheckpointMirror(const CheckpointMirror&) = delete;
  CheckpointMirror& operator=(const CheckpointMirror&) = delete;

  // Takes `restored` as known ("the store already has these; upload them
  // again only if they change"; their set is the baseline the first point
  // is compared with, and their contents stay restorable). From a restore,
  // pass the files whose content the live key holds: RestoreSummary::restored
  // entries with live_verified, as KnownFile{file, identity}; the others are
  // uploaded again after settling. Then scans the directory once and starts
  // the threads. The watcher must already watch local_dir, so nothing
  // between the scan and the first Wait is lost.
  // kInvalidArgument for bad options; kNotFound if local_dir is not a
  // directory; kFailedPrecondition if started before; errors creating
  // staging_dir.
  Status Start(const std::vector<KnownFile>& restored = {});

  // Writes everything owed: a final rescan (taking files as complete, since
  // the writers are done: job completion, stop, before a restart), every
  // pending change, and a final point if the state changed. OK only when all
  // is durable. By `deadline_ms` (Clock::MonotonicMs) otherwise:
  // kUnavailable with the last store error when one occurred, else
  // kDeadlineExceeded; the message gives the backlog. kFailedPrecondition
  // when not running.
  Status Flush(int64_t deadline_ms);

  // Ends the threads; an operation in flight finishes its current store
  // call first. What is still owed is abandoned (Flush first to keep it).
  // Idempotent.
  void Stop();

  CheckpointSyncStatus SyncStatus() const;

 private:
  struct Observation;

  void ControlLoop();
  void WorkerLoop(int index);
  std::vector<Observation> Observe(const std::vector<WatchEvent>& events) const;
  void Apply(const std::vector<Observation>& observations, int64_t now);
  void Rescan(std::unique_lock<std::mutex>& lock);
  void CheckSettling(std::unique_lock<std::mutex>& lock);
  void CheckFlushes(int64_t now);
  int64_t WaitTimeoutMs(int64_t now) const;
  TaskOutcome Run(const MirrorTask& task, int index);
  void Record(const MirrorTask& task, const TaskOutcome& outcome);
  void RecordError(const Error& error);
  bool Flushing() const { return flush_completed_ < flush_requested_; }
  Error FlushError(int64_t deadline_ms) const;

  ObjectStore& store_;
  DirectoryWatcher& watcher_;
  const Clock& clock_;
  const CheckpointMirrorOptions options_;
  HistoryKeeper history_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // workers: a task may be ready; stopping
  std::condition_variable flush_cv_;  // Flush: done, deadline, stopping
  MirrorLedger ledger_;
  bool started_ = false;
  bool stopping_ = false;
  bool rescan_needed_ = false;
  int64_t next_rescan_ms_ = 0;
  int64_t flush_requested_ = 0;  // Flush calls so far
  int64_t flush_scanned_ = 0;    // the newest of them that a rescan has covered
  int64_t flush_completed_ = 0;  // the newest of them that is done
  std::multiset<int64_t> flush_deadlines_;
  EpochMs last_sync_ms_ = 0;
  std::string last_error_;
  EpochMs last_error_ms_ = 0;
  EpochMs last_logged_error_ms_ = 0;
  std::string last_logged_error_;
  std::vector<std::thread> threads_;
};

}  // namespace trainyard
