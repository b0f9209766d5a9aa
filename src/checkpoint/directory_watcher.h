// DirectoryWatcher: what happens to the files in a local directory tree, as
// a stream of events (the seam between the checkpoint mirror and inotify).
//
// Paths are relative to the watched root, '/'-separated. The watcher follows
// the tree recursively: directories created in it or moved into it are
// watched as they appear; directories deleted or moved away stop being
// watched. Event kinds:
//
//   kFileClosed  a file is complete: closed after being opened for writing,
//                or renamed into place; also every file inside a directory
//                moved into the tree
//   kFileFound   a file seen by the scan of a directory that was just
//                created: it may still be being written (its close, if it
//                comes later, is reported as kFileClosed)
//   kRemoved     a file or, with is_directory, a directory and everything
//                under it was deleted or moved out of its place (a rename
//                inside the tree is kRemoved for the old path, then
//                kFileClosed for the new one)
//   kOverflow    events were lost (the kernel queue overflowed, a directory
//                could not be watched, or the root itself went away): the
//                caller must rescan the tree to learn its state
//
// Symlinks are never followed below the root; a symlink or other
// non-regular file may still be reported under its name (a rename into
// place), so the caller checks what a path is. Events are best effort in
// one more way: something that happens while a new directory is being
// added may be reported twice; callers must treat events as hints about
// current state, not as an exact history.
//
// Thread safety: Wait is called by one thread at a time; Wake may be called
// from any thread at any time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace trainyard {

enum class WatchEventKind { kFileClosed, kFileFound, kRemoved, kOverflow };

struct WatchEvent {
  WatchEventKind kind = WatchEventKind::kFileClosed;
  std::string path;           // relative to the root; empty for kOverflow
  bool is_directory = false;  // kRemoved of a whole directory
  bool operator==(const WatchEvent&) const = default;
};

class DirectoryWatcher {
 public:
  virtual ~DirectoryWatcher() = default;

  // Waits until events are available, Wake is called, or `timeout_ms` has
  // passed (negative: no limit; 0: only collects what is ready), and returns
  // the events in order (possibly none). Errors are failures of the
  // mechanism itself (kInternal, kUnavailable); the watcher stays usable.
  virtual Result<std::vector<WatchEvent>> Wait(int64_t timeout_ms) = 0;

  // Makes the current or next Wait return promptly. Never blocks.
  virtual void Wake() = 0;
};

struct DirectoryWatcherOptions {
  // Relative directory paths that are neither watched nor reported, with
  // everything under them (the mirror passes ".trainyard").
  std::vector<std::string> excluded_dirs;
};

// The Linux implementation (inotify; directory_watcher_linux.cc). `root`
// must be an existing directory (it may be a symlink). kNotFound if it is
// not; kResourceExhausted when the inotify instance or watch limits
// (fs.inotify.max_user_instances / max_user_watches) are reached.
Result<std::unique_ptr<DirectoryWatcher>> NewInotifyDirectoryWatcher(const std::string& root,
                                                                     const DirectoryWatcherOptions& options);

}  // namespace trainyard
