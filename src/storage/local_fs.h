// Local filesystem primitives shared by the storage adapters (POSIX):
// an owning file descriptor, errno turned into an Error, directory walks
// beneath a trusted directory that never follow symlinks, and atomic file
// writes (temp file, fsync, rename, fsync of the directory).
//
// Temp files are named ".ty-partial-<random>" and live beside their target;
// IsPartialFileName recognises them so that listings can hide them.
// Thread safety: free functions with no shared state.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace trainyard {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  int release();

 private:
  int fd_ = -1;
};

// "<what>: <strerror>" with a code chosen from errno: ENOENT kNotFound,
// ENOSPC/EDQUOT kResourceExhausted, EACCES/EPERM/EROFS/ENOTDIR/EISDIR/ELOOP/
// EEXIST/ENOTEMPTY kFailedPrecondition, ENAMETOOLONG/EINVAL kInvalidArgument,
// EIO/EAGAIN/EINTR/ETIMEDOUT/ESTALE/EBUSY kUnavailable, else kInternal.
Error ErrnoError(int err, std::string_view what);

inline constexpr std::string_view kPartialFilePrefix = ".ty-partial-";
bool IsPartialFileName(std::string_view name);

// mkdir -p with mode 0755; OK if the directory exists already.
Status CreateDirectories(const std::string& path);

// Opens a directory (following symlinks: the caller trusts `path`).
Result<UniqueFd> OpenDirectory(const std::string& path);

// Opens dir_fd/segments[0]/.../segments[n-1] one segment at a time without
// following symlinks; with `create`, missing directories are made (0755).
// kNotFound if one is missing, a symlink or not a directory; with `create`,
// kFailedPrecondition for a symlink or non-directory in the way. With no
// segments, returns a duplicate of dir_fd.
Result<UniqueFd> OpenDirectoryBeneath(int dir_fd, std::span<const std::string> segments,
                                      bool create);

// Creates or replaces dir_fd/name atomically: `write` fills a new temp file
// in the same directory (its fd is open for reading and writing, so a writer
// may read back what it wrote), which is then chmod-ed to `mode`, fsync-ed and
// renamed over `name`; the directory is fsync-ed last. On any error the temp
// file is removed and `name` is untouched. `write` errors pass through.
using FileWriter = std::function<Status(int out_fd)>;
Status WriteFileAtomically(int dir_fd, const std::string& name, mode_t mode,
                           const FileWriter& write);

// The same in two steps, for a writer that must start before it knows it
// will write: Create makes the temp file beside the target in dir_fd (which
// must stay open until Commit); Commit chmods, fsyncs and renames it over
// `name`, then fsyncs the directory. Destroying an uncommitted PartialFile
// (or one whose Commit failed) removes the temp file. Movable, not copyable.
class PartialFile {
 public:
  static Result<PartialFile> Create(int dir_fd);
  PartialFile(PartialFile&& other) noexcept;
  PartialFile& operator=(PartialFile&&) = delete;
  ~PartialFile();

  int fd() const { return fd_.get(); }  // open for reading and writing
  Status Commit(const std::string& name, mode_t mode);

 private:
  PartialFile(int dir_fd, UniqueFd fd, std::string temp_name)
      : dir_fd_(dir_fd), fd_(std::move(fd)), temp_name_(std::move(temp_name)) {}

  int dir_fd_;
  UniqueFd fd_;
  std::string temp_name_;  // empty once committed or moved from
};

// Copies everything from in_fd (from its current offset) to out_fd.
Status CopyFdContents(int in_fd, int out_fd);
Status WriteAll(int fd, const void* data, size_t size);

// st_mtim in milliseconds since the epoch.
EpochMs MtimeMs(const struct stat& st);

}  // namespace trainyard
