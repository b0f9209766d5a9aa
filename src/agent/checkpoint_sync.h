// CheckpointSync: one instance's side of CheckpointConfig. Before the
// training program starts it fills the checkpoint directory from the
// checkpoint URI (the newest complete sync point; checkpoint_restore.h), then
// mirrors the directory to the URI while the program runs
// (checkpoint_mirror.h), and flushes the mirror when the program has ended,
// so that a stop, a failure or a restart never loses a checkpoint the
// program finished writing.
//
// Stages (as reported to the server): restoring -> mirroring -> flushing ->
// flushed, or failed when the restore could not be done. A store that is
// unreachable at restore time is retried `restore_attempts` times with
// doubling waits; then the restore fails with a message that says so.
//
// Thread safety: Report() may be called from any thread at any time; the
// other calls come from one thread, in the order above.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_mirror.h"
#include "checkpoint/directory_watcher.h"
#include "common/clock.h"
#include "common/result.h"
#include "model/agent_protocol.h"
#include "storage/object_store.h"

namespace trainyard {

struct CheckpointSyncOptions {
  std::string local_dir;    // the instance's CheckpointConfig.LocalPath
  std::string staging_dir;  // same filesystem as local_dir, outside it
  std::string host;         // "algo-1": the writer's name in sync points
  std::string job_name;
  int keep_last = 10;       // sync points kept per instance
  int restore_attempts = 5;
  std::chrono::milliseconds first_restore_backoff{1000};
  // How long to wait between restore attempts; tests pass one that records.
  std::function<void(std::chrono::milliseconds)> sleep;
};

class CheckpointSync {
 public:
  CheckpointSync(std::unique_ptr<ObjectStore> store, const Clock& clock, CheckpointSyncOptions options);
  ~CheckpointSync();  // Stop()

  // Restores, then starts mirroring. Errors say what failed, with the URI:
  // kUnavailable (store unreachable after every attempt), kResourceExhausted
  // (local disk full), kFailedPrecondition (the store's sync points are
  // damaged), or a watcher/mirror start error.
  Status RestoreAndStart();

  // Waits up to `timeout` for everything written so far to be durable.
  Status Flush(std::chrono::milliseconds timeout);

  void Stop();
  CheckpointReport Report() const;
  std::string Uri() const { return store_->Uri(); }

 private:
  Status RestoreWithRetries();
  Status StartMirror();  // watcher and mirror over the restored directory
  void SetStage(std::string stage);
  CheckpointMirror* Mirror() const;  // null until mirroring started; then fixed

  std::unique_ptr<ObjectStore> store_;
  const Clock& clock_;
  const CheckpointSyncOptions options_;
  std::unique_ptr<DirectoryWatcher> watcher_;
  std::vector<KnownFile> known_;  // restored files the store's live keys hold

  mutable std::mutex mu_;
  std::unique_ptr<CheckpointMirror> mirror_;  // set once, under mu_
  CheckpointReport restored_;  // stage and restore figures
  std::string error_;
  int64_t error_ms_ = 0;
};

}  // namespace trainyard
