// DirectoryWatcher on inotify: one watch per directory, a wd -> path map, and
// an eventfd beside the inotify descriptor so that Wake interrupts poll.
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <unordered_map>

#include "checkpoint/directory_watcher.h"
#include "checkpoint/local_tree.h"
#include "common/log.h"
#include "storage/local_fs.h"

namespace trainyard {
namespace {

constexpr uint32_t kDirectoryMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE |
                                    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;

std::string Join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

class InotifyDirectoryWatcher : public DirectoryWatcher {
 public:
  InotifyDirectoryWatcher(std::string root, DirectoryWatcherOptions options, UniqueFd inotify_fd,
                          UniqueFd wake_fd)
      : root_(std::move(root)),
        options_(std::move(options)),
        inotify_fd_(std::move(inotify_fd)),
        wake_fd_(std::move(wake_fd)) {}

  // Watches the whole tree; reports nothing (the caller scans at start).
  Status WatchRoot() {
    std::vector<WatchEvent> ignored;
    int wd = inotify_add_watch(inotify_fd_.get(), root_.c_str(), kDirectoryMask);
    if (wd < 0 && errno == ENOTDIR) return MakeError(ErrorCode::kNotFound, root_ + " is not a directory");
    if (wd < 0) return ErrnoError(errno, "watching " + root_);  // ENOSPC: kResourceExhausted
    Register(wd, "");
    AddSubdirectories("", std::nullopt, &ignored);
    return Ok();
  }

  Result<std::vector<WatchEvent>> Wait(int64_t timeout_ms) override {
    pollfd fds[2] = {{inotify_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
    int timeout = timeout_ms < 0 ? -1 : static_cast<int>(std::min<int64_t>(timeout_ms, 1 << 30));
    int ready = poll(fds, 2, timeout);
    std::vector<WatchEvent> events;
    if (ready < 0) {
      if (errno == EINTR) return events;
      return ErrnoError(errno, "waiting for inotify events on " + root_);
    }
    if (fds[1].revents & POLLIN) {
      uint64_t count;
      (void)!read(wake_fd_.get(), &count, sizeof count);
    }
    if (fds[0].revents & POLLIN) TY_RETURN_IF_ERROR(ReadEvents(&events));
    return events;
  }

  void Wake() override {
    uint64_t one = 1;
    (void)!write(wake_fd_.get(), &one, sizeof one);
  }

 private:
  Status ReadEvents(std::vector<WatchEvent>* out) {
    alignas(inotify_event) char buffer[64 * 1024];
    for (;;) {
      ssize_t n = read(inotify_fd_.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return Ok();
      if (n < 0) return ErrnoError(errno, "reading inotify events for " + root_);
      if (n == 0) return Ok();
      for (ssize_t offset = 0; offset < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
        Handle(*event, out);
        offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
  }

  void Handle(const inotify_event& event, std::vector<WatchEvent>* out) {
    if (event.mask & IN_Q_OVERFLOW) {
      out->push_back({WatchEventKind::kOverflow, "", false});
      AddSubdirectories("", std::nullopt, out);  // watch directories whose creation was lost
      return;
    }
    auto dir = dirs_.find(event.wd);
    if (dir == dirs_.end()) return;  // a watch already dropped
    const std::string parent = dir->second;
    if (event.mask & IN_IGNORED) {
      Unregister(event.wd);
      if (parent.empty()) out->push_back({WatchEventKind::kOverflow, "", false});
      return;
    }
    if (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
      // A subdirectory's own removal is reported through its parent's watch.
      if (parent.empty()) out->push_back({WatchEventKind::kOverflow, "", false});
      return;
    }
    if (event.len == 0) return;
    const std::string path = Join(parent, event.name);
    if (Excluded(path)) return;
    if (event.mask & IN_ISDIR) {
      HandleDirectory(event.mask, path, out);
    } else if (event.mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
      out->push_back({WatchEventKind::kFileClosed, path, false});
    } else if (event.mask & (IN_DELETE | IN_MOVED_FROM)) {
      out->push_back({WatchEventKind::kRemoved, path, false});
    }
  }

  void HandleDirectory(uint32_t mask, const std::string& path, std::vector<WatchEvent>* out) {
    if (mask & (IN_DELETE | IN_MOVED_FROM)) {
      UnwatchTree(path);
      out->push_back({WatchEventKind::kRemoved, path, true});
    } else if (mask & IN_CREATE) {
      WatchTree(path, WatchEventKind::kFileFound, out);
    } else if (mask & IN_MOVED_TO) {
      WatchTree(path, WatchEventKind::kFileClosed, out);
    }
  }

  // Watches `path` and its subdirectories; reports their files as `found`.
  void WatchTree(const std::string& path, std::optional<WatchEventKind> found, std::vector<WatchEvent>* out) {
    int wd = inotify_add_watch(inotify_fd_.get(), (root_ + "/" + path).c_str(), kDirectoryMask | IN_DONT_FOLLOW);
    if (wd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) return;  // gone again (its removal is reported)
      LogWarning(ErrnoError(errno, "watching " + root_ + "/" + path).message +
                 "; changes there are found by rescans only");
      out->push_back({WatchEventKind::kOverflow, "", false});
      return;
    }
    Register(wd, path);
    AddSubdirectories(path, found, out);
  }

  void AddSubdirectories(const std::string& path, std::optional<WatchEventKind> found,
                         std::vector<WatchEvent>* out) {
    Result<DirectoryEntries> entries = ListDirectoryEntries(path.empty() ? root_ : root_ + "/" + path);
    if (!entries.ok()) return;  // gone: its removal is reported
    if (found) {
      for (const std::string& name : entries->files) out->push_back({*found, Join(path, name), false});
    }
    for (const std::string& name : entries->directories) {
      const std::string child = Join(path, name);
      if (!Excluded(child)) WatchTree(child, found, out);
    }
  }

  void UnwatchTree(const std::string& path) {
    auto it = paths_.lower_bound(path);
    while (it != paths_.end() && (it->first == path || it->first.starts_with(path + "/"))) {
      inotify_rm_watch(inotify_fd_.get(), it->second);  // may already be gone
      dirs_.erase(it->second);
      it = paths_.erase(it);
    }
  }

  void Register(int wd, const std::string& path) {
    auto previous = paths_.find(path);
    if (previous != paths_.end() && previous->second != wd) dirs_.erase(previous->second);
    auto existing = dirs_.find(wd);  // the same inode watched under an older path
    if (existing != dirs_.end() && existing->second != path) paths_.erase(existing->second);
    dirs_[wd] = path;
    paths_[path] = wd;
  }

  void Unregister(int wd) {
    auto it = dirs_.find(wd);
    if (it == dirs_.end()) return;
    auto path = paths_.find(it->second);
    if (path != paths_.end() && path->second == wd) paths_.erase(path);
    dirs_.erase(it);
  }

  bool Excluded(const std::string& path) const {
    for (const std::string& excluded : options_.excluded_dirs) {
      if (path == excluded || (path.starts_with(excluded) && path.size() > excluded.size() &&
                               path[excluded.size()] == '/')) {
        return true;
      }
    }
    return false;
  }

  const std::string root_;
  const DirectoryWatcherOptions options_;
  UniqueFd inotify_fd_;
  UniqueFd wake_fd_;
  std::unordered_map<int, std::string> dirs_;  // watch descriptor -> relative directory ("" = root)
  std::map<std::string, int> paths_;          // relative directory -> watch descriptor
};

}  // namespace

Result<std::unique_ptr<DirectoryWatcher>> NewInotifyDirectoryWatcher(const std::string& root,
                                                                     const DirectoryWatcherOptions& options) {
  UniqueFd inotify_fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (inotify_fd.get() < 0) {
    if (errno == EMFILE) return MakeError(ErrorCode::kResourceExhausted, "inotify instance limit reached");
    return ErrnoError(errno, "inotify_init1");
  }
  UniqueFd wake_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (wake_fd.get() < 0) return ErrnoError(errno, "eventfd");
  auto watcher = std::make_unique<InotifyDirectoryWatcher>(root, options, std::move(inotify_fd), std::move(wake_fd));
  TY_RETURN_IF_ERROR(watcher->WatchRoot());
  return std::unique_ptr<DirectoryWatcher>(std::move(watcher));
}

}  // namespace trainyard
