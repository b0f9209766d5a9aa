// Walks of a local directory tree that never follow symlinks: one directory's
// entries (for the watcher, which adds a watch per directory) and every
// regular file beneath a root (for the mirror's rescans).
//
// Paths are relative to the root, '/'-separated, with no leading "./".
// Entries that vanish during a walk are skipped: a walk races with the
// training script by design, and the watcher reports what happens next.
// Thread-safe (no shared state).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/file_digest.h"
#include "common/result.h"

namespace trainyard {

struct DirectoryEntries {
  std::vector<std::string> files;        // names of regular files
  std::vector<std::string> directories;  // names of subdirectories (not symlinks to one)
};

// The regular files and subdirectories directly in `dir`, sorted by name;
// symlinks, sockets, FIFOs and devices are left out. kNotFound if `dir` is
// missing or not a directory; errno-derived codes otherwise.
Result<DirectoryEntries> ListDirectoryEntries(const std::string& dir);

// True for a relative directory path that a walk must not enter.
using SkipDirectory = std::function<bool(std::string_view relative_dir)>;

// Every regular file beneath `root` with its identity, keyed by relative
// path. Directories for which `skip` is true are not entered (an empty
// `skip` enters all). kNotFound if `root` is missing; other errors of the
// root itself pass through; errors below the root other than vanishing
// entries also pass through, so a caller never mistakes an unreadable
// directory for an empty one.
Result<std::map<std::string, FileIdentity>> ScanRegularFiles(const std::string& root,
                                                             const SkipDirectory& skip);

}  // namespace trainyard
