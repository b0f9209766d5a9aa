// Moving whole directories between the local filesystem and an ObjectStore.
//
// Both calls stop at the first error and return it with context naming the
// file and key; what was transferred before stays transferred. Each file
// moves atomically (see ObjectStore). Thread safety: as safe as the store;
// the local directory should not be modified in ways the caller cares about
// while a transfer runs.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/object_store.h"

namespace trainyard {

// Puts every regular file below `local_dir` under `prefix`:
// <local_dir>/a/b.txt becomes key JoinKey(prefix, "a/b.txt"), in key order.
// A symlink to a regular file inside `local_dir` is uploaded with its
// target's content under the link's name; symlinks pointing outside, symlinks
// to directories (never descended into), dangling symlinks, sockets, FIFOs
// and ".ty-partial-*" temp files are skipped. A file deleted while the upload
// runs is skipped. kNotFound if `local_dir` does not exist.
Status UploadDirectory(ObjectStore& store, const std::string& local_dir, std::string_view prefix);

// Gets every object under the directory `prefix` (keys starting with
// "<prefix>/"; an empty prefix means the whole store) into `local_dir`,
// creating it and subdirectories: key "<prefix>/a/b" becomes <local_dir>/a/b.
// Before anything is written, every key is checked: one whose remainder is
// not a safe relative path (absolute, "..", ".", empty segments) fails the
// whole call with kInvalidArgument. A path that would pass through a symlink
// already inside `local_dir` is refused with kFailedPrecondition. An object
// deleted between the listing and its download is skipped.
Status DownloadPrefix(ObjectStore& store, std::string_view prefix, const std::string& local_dir);

}  // namespace trainyard
