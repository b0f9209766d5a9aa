// Gzip-compressed tar archives (libarchive behind this adapter): model.tar.gz
// and output.tar.gz at the end of a job, and `sagemaker_submit_directory`
// source tarballs at its start.
//
// Thread safety: free functions with no shared state; concurrent calls on
// different paths are safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace trainyard {

// Writes the directories into a new .tar.gz at `out_path` (pax format, gzip
// without a timestamp). Each pair is {local directory, prefix in the archive}:
// "" puts the directory's content at the top level, "code" below "code/".
// Entries appear in a fixed order: directories in the order given, each
// one's entries sorted by path, so the same files give the same bytes.
// Archived: directories and regular files (permission bits and mtime kept,
// owner 0:0). A symlink to a regular file inside its directory is stored as a
// regular file with the target's content; other symlinks (pointing outside,
// to directories, dangling) and special files are skipped: nothing outside a
// given directory is ever read. The archive appears whole or not at all
// (temp file + rename). kInvalidArgument for a prefix that is not a safe
// relative path; kNotFound if a directory does not exist.
Status WriteTarGz(const std::vector<std::pair<std::string, std::string>>& dirs,
                  const std::string& out_path);

// Extracts a tar archive (gzip, other libarchive filters, or none) into
// `dest_dir`, creating it. The whole archive is checked before anything is
// written, and refused with kInvalidArgument (writing nothing) when an entry:
// has an absolute path or a ".." segment; lies below a symlink entry; is a
// symlink whose target is absolute, leads outside dest_dir, or passes through
// another symlink entry; is a hard link to anything but an earlier regular
// file entry; or is a device, FIFO or socket. Writes never follow symlinks
// already present in dest_dir (kFailedPrecondition if one is in the way).
// Files are written atomically with their permission bits (no set-id bits);
// existing files are replaced. kNotFound if the archive does not exist;
// kInvalidArgument if it is not a readable tar archive.
Status ExtractTarGz(const std::string& archive_path, const std::string& dest_dir);

}  // namespace trainyard
