#include "checkpoint/restore_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>

namespace trainyard {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (true) {
    size_t end = path.find('/', start);
    segments.emplace_back(path.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return segments;
    start = end + 1;
  }
}

struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};

// The names in the directory (without "." and "..").
Result<std::vector<std::string>> ReadNames(int dir_fd, const std::string& what) {
  int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return ErrnoError(errno, "dup");
  std::unique_ptr<DIR, DirCloser> dir(fdopendir(fd));
  if (!dir) {
    int err = errno;
    close(fd);
    return ErrnoError(err, "reading directory " + what);
  }
  rewinddir(dir.get());
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    struct dirent* entry = readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return ErrnoError(errno, "reading directory " + what);
      return names;
    }
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
}

// Removes below dir_fd what RemoveAllExcept removes; `prefix` is dir_fd's
// relative path plus '/', or empty at the top. Returns whether anything was
// removed.
class StaleRemover {
 public:
  StaleRemover(const std::set<std::string>& keep, const std::vector<std::string>& protected_paths)
      : keep_(keep) {
    for (std::string path : protected_paths) {
      while (path.ends_with('/')) path.pop_back();
      if (!path.empty()) protected_.push_back(std::move(path));
    }
  }

  Result<bool> Walk(int dir_fd, const std::string& prefix) {
    TY_ASSIGN_OR_RETURN(std::vector<std::string> names, ReadNames(dir_fd, prefix.empty() ? "." : prefix));
    bool removed = false;
    for (const std::string& name : names) {
      const std::string relative = prefix + name;
      if (prefix.empty() && name == kRestoreStagingName) continue;
      if (IsProtected(relative)) continue;
      TY_ASSIGN_OR_RETURN(bool removed_here, Visit(dir_fd, name, relative));
      removed = removed || removed_here;
    }
    return removed;
  }

 private:
  Result<bool> Visit(int dir_fd, const std::string& name, const std::string& relative) {
    struct stat st;
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return false;
      return ErrnoError(errno, "stat " + relative);
    }
    if (!S_ISDIR(st.st_mode)) {
      if (S_ISREG(st.st_mode) && keep_.contains(relative)) return false;
      if (unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
        return ErrnoError(errno, "removing " + relative);
      }
      return true;
    }
    int child = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child < 0) return ErrnoError(errno, "opening directory " + relative);
    UniqueFd child_fd(child);
    TY_ASSIGN_OR_RETURN(bool emptied, Walk(child_fd.get(), relative + "/"));
    if (!emptied && !keep_.contains(relative)) return false;
    // Left when something protected (or wanted) is still inside.
    if (unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) == 0) return true;
    if (errno == ENOTEMPTY || errno == EEXIST || errno == ENOENT) return emptied;
    return ErrnoError(errno, "removing directory " + relative);
  }

  bool IsProtected(const std::string& relative) const {
    for (const std::string& path : protected_) {
      if (relative == path || (relative.starts_with(path) && relative[path.size()] == '/')) return true;
    }
    return false;
  }

  const std::set<std::string>& keep_;
  std::vector<std::string> protected_;
};

}  // namespace

RestoreDirectory::RestoreDirectory(std::string path, UniqueFd root, UniqueFd staging)
    : path_(std::move(path)), root_(std::move(root)), staging_(std::move(staging)) {}

RestoreDirectory::RestoreDirectory(RestoreDirectory&& other) noexcept
    : path_(std::move(other.path_)), root_(std::move(other.root_)), staging_(std::move(other.staging_)) {
  other.path_.clear();
}

RestoreDirectory::~RestoreDirectory() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(StagingPath(""), ec);  // removes symlinks, never follows them
}

Result<RestoreDirectory> RestoreDirectory::Open(const std::string& local_dir) {
  TY_RETURN_IF_ERROR(CreateDirectories(local_dir));
  TY_ASSIGN_OR_RETURN(UniqueFd root, OpenDirectory(local_dir));
  const std::string staging_path = local_dir + "/" + std::string(kRestoreStagingName);
  std::error_code ec;
  std::filesystem::remove_all(staging_path, ec);
  if (ec) return ErrnoError(ec.value(), "removing the leftover " + staging_path);
  const std::string name(kRestoreStagingName);
  if (mkdirat(root.get(), name.c_str(), 0700) != 0) return ErrnoError(errno, "creating " + staging_path);
  int staging = openat(root.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (staging < 0) return ErrnoError(errno, "opening " + staging_path);
  return RestoreDirectory(local_dir, std::move(root), UniqueFd(staging));
}

std::string RestoreDirectory::StagingPath(std::string_view name) const {
  std::string path = path_ + "/" + std::string(kRestoreStagingName);
  if (!name.empty()) path.append("/").append(name);
  return path;
}

Result<UniqueFd> RestoreDirectory::OpenParent(const std::string& relative, bool create, std::string* leaf) const {
  std::vector<std::string> segments = SplitPath(relative);
  *leaf = segments.back();
  segments.pop_back();
  return OpenDirectoryBeneath(root_.get(), segments, create);
}

Status RestoreDirectory::RemoveAllExcept(const std::set<std::string>& keep,
                                         const std::vector<std::string>& protected_paths) {
  StaleRemover remover(keep, protected_paths);
  Result<bool> removed = remover.Walk(root_.get(), "");
  if (!removed.ok()) return removed.error().WithContext("clearing " + path_);
  return Ok();
}

Result<FileIdentity> RestoreDirectory::Install(std::string_view staged_name, const std::string& relative,
                                               bool copy) {
  const std::string context = "putting " + relative + " in place in " + path_;
  std::string leaf;
  Result<UniqueFd> parent = OpenParent(relative, /*create=*/true, &leaf);
  if (!parent.ok()) return parent.error().WithContext(context);
  const std::string staged(staged_name);
  if (copy) {
    UniqueFd source(openat(staging_.get(), staged.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (source.get() < 0) return ErrnoError(errno, "opening the staged file").WithContext(context);
    Status written = WriteFileAtomically(parent->get(), leaf, 0644,
                                         [&](int out_fd) { return CopyFdContents(source.get(), out_fd); });
    if (!written.ok()) return written.error().WithContext(context);
  } else if (renameat(staging_.get(), staged.c_str(), parent->get(), leaf.c_str()) != 0) {
    return ErrnoError(errno, "moving the staged file").WithContext(context);
  }
  return StatFileIdentityAt(parent->get(), leaf);
}

Result<FileIdentity> RestoreDirectory::IdentityOf(const std::string& relative) const {
  std::string leaf;
  TY_ASSIGN_OR_RETURN(UniqueFd parent, OpenParent(relative, /*create=*/false, &leaf));
  return StatFileIdentityAt(parent.get(), leaf);
}

}  // namespace trainyard
