#include "storage/transfer.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <vector>

#include "storage/local_fs.h"
#include "storage/storage_uri.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

// Whether `path` is `root` or lies below it (both already canonical).
bool IsWithin(const fs::path& root, const fs::path& path) {
  auto [root_end, path_end] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end();
}

// Whether the directory entry should be uploaded (see UploadDirectory).
bool ShouldUpload(const fs::directory_entry& entry, const fs::path& root) {
  if (IsPartialFileName(entry.path().filename().string())) return false;
  std::error_code ec;
  fs::file_status status = entry.symlink_status(ec);
  if (ec) return false;
  if (fs::is_regular_file(status)) return true;
  if (!fs::is_symlink(status)) return false;
  fs::path target = fs::canonical(entry.path(), ec);
  if (ec || !IsWithin(root, target)) return false;
  return fs::is_regular_file(fs::status(target, ec)) && !ec;
}

// Relative paths (generic form) of the files to upload, sorted.
Result<std::vector<std::string>> FilesToUpload(const fs::path& root) {
  std::vector<std::string> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ShouldUpload(*it, root)) files.push_back(it->path().lexically_relative(root).generic_string());
  }
  if (ec) return ErrnoError(ec.value(), "listing " + root.string());
  std::sort(files.begin(), files.end());
  return files;
}

// The key's path below the download prefix, or an error if it is not a safe
// relative path.
Result<std::string> RelativePathOf(const ObjectStore& store, const std::string& key,
                                   const std::string& dir_prefix, const std::string& local_dir) {
  std::string relative = key.substr(dir_prefix.size());
  Status valid = ValidateObjectKey(relative);
  if (!valid.ok()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "refusing to download \"" + key + "\" from " + store.Uri() +
                         ": it would not land inside " + local_dir + " (" + valid.error().message + ")");
  }
  return relative;
}

// Refuses a download target whose existing directories below local_dir
// include a symlink (which could lead outside).
Status CheckNoSymlinkOnTheWay(const fs::path& local_dir, const std::string& relative) {
  fs::path current = local_dir;
  fs::path rel(relative);
  for (auto it = rel.begin(); it != rel.end() && std::next(it) != rel.end(); ++it) {
    current /= *it;
    struct stat st;
    if (lstat(current.c_str(), &st) != 0) {
      if (errno == ENOENT) return Ok();
      return ErrnoError(errno, "stat " + current.string());
    }
    if (!S_ISDIR(st.st_mode)) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       current.string() + " is a symlink or not a directory; refusing to write below it");
    }
  }
  return Ok();
}

}  // namespace

Status UploadDirectory(ObjectStore& store, const std::string& local_dir, std::string_view prefix) {
  const std::string context = "uploading " + local_dir + " to " + store.Uri();
  std::error_code ec;
  fs::path root = fs::canonical(local_dir, ec);
  if (ec) return ErrnoError(ec.value(), "resolving " + local_dir).WithContext(context);
  TY_ASSIGN_OR_RETURN(std::vector<std::string> files, FilesToUpload(root));
  for (const std::string& relative : files) {
    std::string key = JoinKey(prefix, relative);
    Status status = store.PutFile(key, (root / relative).string());
    if (status.ok()) continue;
    if (status.error().code == ErrorCode::kNotFound) continue;  // deleted meanwhile
    return status.error().WithContext(context);
  }
  return Ok();
}

Status DownloadPrefix(ObjectStore& store, std::string_view prefix, const std::string& local_dir) {
  const std::string context = "downloading " + store.Uri() + " prefix \"" + std::string(prefix) +
                              "\" into " + local_dir;
  std::string dir_prefix(prefix);
  if (!dir_prefix.empty() && !dir_prefix.ends_with('/')) dir_prefix += '/';
  Result<std::vector<ObjectInfo>> objects = store.List(dir_prefix);
  if (!objects.ok()) return objects.error().WithContext(context);
  std::vector<std::pair<std::string, std::string>> plan;  // key, relative path
  for (const ObjectInfo& object : *objects) {
    Result<std::string> relative = RelativePathOf(store, object.key, dir_prefix, local_dir);
    if (!relative.ok()) return relative.error();
    plan.emplace_back(object.key, std::move(relative).value());
  }
  Status status = CreateDirectories(local_dir);
  if (!status.ok()) return status.error().WithContext(context);
  for (const auto& [key, relative] : plan) {
    status = CheckNoSymlinkOnTheWay(local_dir, relative);
    if (status.ok()) status = store.GetFile(key, (fs::path(local_dir) / relative).string());
    if (status.ok() || status.error().code == ErrorCode::kNotFound) continue;
    return status.error().WithContext(context);
  }
  return Ok();
}

}  // namespace trainyard
