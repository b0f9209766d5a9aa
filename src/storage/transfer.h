// Moving whole directories between the local filesystem and an ObjectStore.
//
// Both calls stop at the first error and return it with context naming the
// file and key; what was transferred before stays transferred. With several
// files in flight (TransferOptions), "first" means: once a file fails no new
// file starts, the ones already moving finish, and the error of the failed
// file that comes first in key order is returned. Each file moves atomically
// (see ObjectStore). Thread safety: as safe as the store (every ObjectStore
// is thread-safe); the local directory should not be modified in ways the
// caller cares about while a transfer runs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/object_store.h"

namespace trainyard {

struct TransferProgress {
  int64_t bytes_done = 0;   // of the files finished so far
  int64_t bytes_total = 0;  // of every file to move (sizes when listed)
  int files_done = 0;       // finished, skipped ones included
  int files_total = 0;
};

struct TransferOptions {
  // Files moving at once, each on its own thread (a store may move the parts
  // of one file in parallel too).
  int files_in_flight = 8;
  // Called after each file finishes (bytes_done grows by whole files), from
  // the worker thread that moved it; calls are serialised, never concurrent,
  // and see non-decreasing counts. Not called for a file that failed. The
  // callback must not call back into the transfer.
  std::function<void(const TransferProgress&)> progress;
};

// Puts every regular file below `local_dir` under `prefix`:
// <local_dir>/a/b.txt becomes key JoinKey(prefix, "a/b.txt"), in key order.
// A symlink to a regular file inside `local_dir` is uploaded with its
// target's content under the link's name; symlinks pointing outside, symlinks
// to directories (never descended into), dangling symlinks, sockets, FIFOs
// and ".ty-partial-*" temp files are skipped. A file deleted while the upload
// runs is skipped. kNotFound if `local_dir` does not exist.
Status UploadDirectory(ObjectStore& store, const std::string& local_dir, std::string_view prefix,
                       const TransferOptions& options);
// One file at a time, in key order.
Status UploadDirectory(ObjectStore& store, const std::string& local_dir, std::string_view prefix);

// Gets every object under the directory `prefix` (keys starting with
// "<prefix>/"; an empty prefix means the whole store) into `local_dir`,
// creating it and subdirectories: key "<prefix>/a/b" becomes <local_dir>/a/b.
// Before anything is written, every key is checked: one whose remainder is
// not a safe relative path (absolute, "..", ".", empty segments) fails the
// whole call with kInvalidArgument. A path that would pass through a symlink
// already inside `local_dir` is refused with kFailedPrecondition. An object
// deleted between the listing and its download is skipped.
Status DownloadPrefix(ObjectStore& store, std::string_view prefix, const std::string& local_dir,
                      const TransferOptions& options);
// One file at a time, in key order.
Status DownloadPrefix(ObjectStore& store, std::string_view prefix, const std::string& local_dir);

}  // namespace trainyard
