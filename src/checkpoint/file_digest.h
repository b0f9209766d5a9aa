// FileDigest: the size and SHA-256 of a local file's content, read in one
// streaming pass (memory stays bounded whatever the size).
//
// Also tells whether the file changed while it was read: the identity
// (device, inode, size, mtime with nanoseconds) is taken before and after, and
// `stable` is false when they differ, so a caller never trusts a checksum of
// a file that was being rewritten. Thread-safe (no shared state).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/result.h"

namespace trainyard {

// What identifies one version of a file without reading it.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

struct FileDigest {
  FileIdentity identity;  // as stat-ed before reading
  int64_t size = 0;       // bytes actually read
  std::string sha256;     // lowercase hex
  bool stable = false;    // identity unchanged and size == identity.size
};

// kNotFound if the file does not exist; kInvalidArgument if it is not a
// regular file (symlinks are not followed); other errno-derived codes
// otherwise.
Result<FileIdentity> StatFileIdentity(const std::string& path);
Result<FileDigest> DigestFile(const std::string& path);

// The same for `name` relative to the open directory `dir_fd` (as openat;
// AT_FDCWD for the working directory). With OpenDirectoryBeneath this reads
// a file below a directory without following any symlink on the way.
Result<FileIdentity> StatFileIdentityAt(int dir_fd, const std::string& name);
Result<FileDigest> DigestFileAt(int dir_fd, const std::string& name);

}  // namespace trainyard
