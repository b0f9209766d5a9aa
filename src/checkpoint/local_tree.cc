#include "checkpoint/local_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "storage/local_fs.h"

namespace trainyard {
namespace {

struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};

std::string Join(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  return std::string(dir) + "/" + std::string(name);
}

Status ScanInto(const std::string& root, const std::string& relative, const SkipDirectory& skip,
                std::map<std::string, FileIdentity>* files) {
  const std::string dir = relative.empty() ? root : root + "/" + relative;
  Result<DirectoryEntries> entries = ListDirectoryEntries(dir);
  if (!entries.ok()) {
    if (entries.error().code == ErrorCode::kNotFound && !relative.empty()) return Ok();  // vanished
    return entries.error();
  }
  for (const std::string& name : entries->files) {
    const std::string path = Join(relative, name);
    Result<FileIdentity> identity = StatFileIdentity(root + "/" + path);
    if (identity.ok()) {
      files->emplace(path, *identity);
    } else if (identity.error().code != ErrorCode::kNotFound &&
               identity.error().code != ErrorCode::kInvalidArgument) {  // replaced by a non-file
      return identity.error();
    }
  }
  for (const std::string& name : entries->directories) {
    const std::string path = Join(relative, name);
    if (skip && skip(path)) continue;
    TY_RETURN_IF_ERROR(ScanInto(root, path, skip, files));
  }
  return Ok();
}

}  // namespace

Result<DirectoryEntries> ListDirectoryEntries(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOTDIR) return MakeError(ErrorCode::kNotFound, dir + " is not a directory");
    return ErrnoError(errno, "listing " + dir);
  }
  std::unique_ptr<DIR, DirCloser> stream(fdopendir(fd));
  if (!stream) {
    int err = errno;
    close(fd);
    return ErrnoError(err, "listing " + dir);
  }
  DirectoryEntries entries;
  for (;;) {
    errno = 0;
    const dirent* entry = readdir(stream.get());
    if (entry == nullptr) break;
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {  // some filesystems do not fill d_type
      struct stat st;
      if (fstatat(dirfd(stream.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_UNKNOWN;
    }
    if (type == DT_REG) entries.files.emplace_back(name);
    if (type == DT_DIR) entries.directories.emplace_back(name);
  }
  if (errno != 0) return ErrnoError(errno, "listing " + dir);
  std::sort(entries.files.begin(), entries.files.end());
  std::sort(entries.directories.begin(), entries.directories.end());
  return entries;
}

Result<std::map<std::string, FileIdentity>> ScanRegularFiles(const std::string& root,
                                                             const SkipDirectory& skip) {
  std::map<std::string, FileIdentity> files;
  TY_RETURN_IF_ERROR(ScanInto(root, "", skip, &files));
  return files;
}

}  // namespace trainyard
