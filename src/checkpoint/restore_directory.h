// RestoreDirectory: the local directory a checkpoint restore writes into,
// with a staging area inside it where downloads wait until the whole state
// is verified.
//
// Safety: nothing below the directory is followed if it is a symlink. Paths
// are relative, '/'-separated, and resolved one directory at a time without
// following symlinks (OpenDirectoryBeneath), so no path reaches outside;
// a symlink found where a directory is needed is an error, never a way out.
// The directory itself may be a symlink (the caller trusts it).
//
// The staging area is the directory ".ty-partial-restore" (a temp-file name,
// which uploads skip); one left by a crashed restore is replaced.
// Not for two restores into one directory at once. Thread safety: StagingPath
// may be called from several threads; the rest from one at a time.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/file_digest.h"
#include "common/result.h"
#include "storage/local_fs.h"

namespace trainyard {

inline constexpr std::string_view kRestoreStagingName = ".ty-partial-restore";

class RestoreDirectory {
 public:
  // Creates `local_dir` if needed and an empty staging area in it. Errno
  // codes (kFailedPrecondition for permissions, kResourceExhausted, ...).
  static Result<RestoreDirectory> Open(const std::string& local_dir);
  RestoreDirectory(RestoreDirectory&& other) noexcept;
  RestoreDirectory& operator=(RestoreDirectory&&) = delete;
  // Removes the staging area and anything left in it.
  ~RestoreDirectory();

  const std::string& path() const { return path_; }

  // The local path of the staged file `name` (a single segment), for
  // ObjectStore::GetFile.
  std::string StagingPath(std::string_view name) const;

  // Removes every entry below the directory except: regular files at a
  // `keep` path; anything at or below a `protected_paths` name ("logs"
  // protects "logs" and "logs/..."); the staging area; and directories that
  // were empty already. A directory at a `keep` path (a file must go there)
  // is emptied and removed when nothing protected is inside. Symlinks are
  // removed, never followed.
  Status RemoveAllExcept(const std::set<std::string>& keep, const std::vector<std::string>& protected_paths);

  // Puts the staged file `staged_name` at `relative`, making parent
  // directories and replacing a file there: moved, or copied when `copy`
  // (the staged file is needed again). Returns the installed file's identity.
  // kFailedPrecondition when a symlink, file or protected directory is in
  // the way.
  Result<FileIdentity> Install(std::string_view staged_name, const std::string& relative, bool copy);

  // The identity of the regular file at `relative` (not following symlinks).
  Result<FileIdentity> IdentityOf(const std::string& relative) const;

 private:
  RestoreDirectory(std::string path, UniqueFd root, UniqueFd staging);
  // The directory holding `relative`'s file (made with `create`), and the
  // file's name in it.
  Result<UniqueFd> OpenParent(const std::string& relative, bool create, std::string* leaf) const;

  std::string path_;
  UniqueFd root_;
  UniqueFd staging_;
};

}  // namespace trainyard
