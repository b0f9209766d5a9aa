// SyncLagRun: how long a checkpoint file takes to become durable in a store
// once the training program closed it. A CheckpointMirror (wired as the agent
// wires it: a real inotify watcher, retention after each sync point) mirrors
// a fresh local directory to the store while this writes files of the given
// sizes on a fixed schedule (one every `interval`, the sizes one after the
// other), and collects the mirror's on_durable reports.
//
// Each file has its own content (a random 1 MiB block repeated, each copy
// stamped with the file's counter and offset), so no upload is skipped as
// unchanged, and this process holds only 1 MiB of it. Files stay in place: the directory grows to
// the sum of all sizes, plus one staging snapshot per mirror worker.
//
// Not thread-safe; one run at a time per directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_mirror.h"
#include "common/result.h"
#include "storage/object_store.h"

namespace trainyard::bench {

struct SyncLagOptions {
  std::string local_dir;                     // required; created if missing, must be empty
  std::vector<int64_t> sizes_bytes;          // each size written `files_per_size` times, in order
  int files_per_size = 20;
  std::chrono::milliseconds interval{1000};  // between the starts of two writes
  std::chrono::milliseconds flush_timeout{120'000};
};

struct SyncLagSample {
  std::string path;  // relative to local_dir
  int64_t size = 0;
  int64_t mirror_lag_ms = -1;      // DurableFile::lag_ms (mirror saw the change -> store confirmed)
  int64_t close_to_durable_ms = -1;  // our close() returned -> on_durable ran; -1: never reported
  int64_t write_ms = 0;            // how long writing and closing the file took
};

struct SyncLagReport {
  std::vector<SyncLagSample> samples;  // in writing order
  int64_t flush_ms = 0;                // the final Flush
  CheckpointSyncStatus status;         // after the flush
};

// Runs the schedule, then flushes the mirror. Errors: the directory or the
// watcher could not be set up, a write failed, the mirror did not start, or
// the final flush did not complete (the message says which).
Result<SyncLagReport> RunSyncLag(ObjectStore& store, const SyncLagOptions& options);

}  // namespace trainyard::bench
