// SnapshotFile: a private copy of one version of a local file, with the
// copy's size and SHA-256 computed in the same pass.
//
// The mirror uploads snapshots, never the live file, so the object it writes
// is always one whole version even when the training script rewrites the
// file during the upload. The cost is one extra read and write of every
// uploaded version on local disk (the reads usually hit the page cache) and
// staging space for the snapshots in flight.
//
// `stable` tells whether the copy is a whole version: the source's identity
// (fstat of the open descriptor: inode, size, mtime) is the same after the
// copy as before and every byte was read. A file replaced by rename while it
// is copied still gives a whole (the older) version, since the open
// descriptor keeps reading the old inode. Limit: on filesystems with coarse
// timestamps an in-place rewrite of the same size within one clock tick of
// the first fstat is not seen; the writer's close event then makes the
// mirror upload the file again.
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>

#include "checkpoint/file_digest.h"
#include "common/result.h"

namespace trainyard {

struct FileSnapshot {
  FileIdentity identity;  // the source's identity before the copy
  int64_t size = 0;       // bytes copied
  std::string sha256;     // lowercase hex of the bytes copied
  bool stable = false;    // the copy is one whole version (see above)
};

// Copies `source` (symlinks not followed) to `dest` (created or truncated,
// mode 0600, not fsync-ed: a snapshot is scratch). kNotFound if `source` is
// missing; kInvalidArgument if it is not a regular file; errno-derived codes
// for read or write failures (kResourceExhausted when the staging disk is
// full). `dest` is removed on error; the caller removes it otherwise.
Result<FileSnapshot> SnapshotFile(const std::string& source, const std::string& dest);

// The same for `relative` ('/'-separated) beneath the directory `root`,
// following no symlink below `root` (one in the way: kNotFound), so what
// is read always lies inside the tree.
Result<FileSnapshot> SnapshotFileBeneath(const std::string& root, const std::string& relative,
                                         const std::string& dest);

}  // namespace trainyard
