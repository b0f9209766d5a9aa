#include "storage/transfer.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <vector>

#include "storage/local_fs.h"
#include "storage/parallel_for.h"
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

struct FileToMove {
  std::string relative;  // generic form
  int64_t size = 0;      // when listed
  bool operator<(const FileToMove& other) const { return relative < other.relative; }
};

// The files to upload, sorted by relative path.
Result<std::vector<FileToMove>> FilesToUpload(const fs::path& root) {
  std::vector<FileToMove> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!ShouldUpload(*it, root)) continue;
    std::error_code size_ec;
    uintmax_t size = fs::file_size(it->path(), size_ec);  // follows an allowed symlink
    files.push_back({it->path().lexically_relative(root).generic_string(),
                     size_ec ? 0 : static_cast<int64_t>(size)});
  }
  if (ec) return ErrnoError(ec.value(), "listing " + root.string());
  std::sort(files.begin(), files.end());
  return files;
}

// Counts finished files and reports them, one report at a time.
class ProgressReporter {
 public:
  ProgressReporter(const TransferOptions& options, const std::vector<FileToMove>& files)
      : callback_(options.progress) {
    progress_.files_total = static_cast<int>(files.size());
    for (const FileToMove& file : files) progress_.bytes_total += file.size;
  }

  void FileDone(int64_t size) {
    if (!callback_) return;
    std::lock_guard<std::mutex> lock(mu_);
    progress_.bytes_done += size;
    progress_.files_done += 1;
    callback_(progress_);
  }

 private:
  const std::function<void(const TransferProgress&)>& callback_;
  std::mutex mu_;
  TransferProgress progress_;
};

TransferOptions OneFileAtATime() {
  TransferOptions options;
  options.files_in_flight = 1;
  return options;
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

Status UploadDirectory(ObjectStore& store, const std::string& local_dir, std::string_view prefix,
                       const TransferOptions& options) {
  const std::string context = "uploading " + local_dir + " to " + store.Uri();
  std::error_code ec;
  fs::path root = fs::canonical(local_dir, ec);
  if (ec) return ErrnoError(ec.value(), "resolving " + local_dir).WithContext(context);
  TY_ASSIGN_OR_RETURN(std::vector<FileToMove> files, FilesToUpload(root));
  ProgressReporter progress(options, files);
  Status status = ParallelFor(static_cast<int>(files.size()), options.files_in_flight, [&](int index, int) {
    const FileToMove& file = files[index];
    Status put = store.PutFile(JoinKey(prefix, file.relative), (root / file.relative).string());
    if (!put.ok() && put.error().code != ErrorCode::kNotFound) return put;  // kNotFound: deleted meanwhile
    progress.FileDone(file.size);
    return Ok();
  });
  if (!status.ok()) return status.error().WithContext(context);
  return Ok();
}

Status UploadDirectory(ObjectStore& store, const std::string& local_dir, std::string_view prefix) {
  return UploadDirectory(store, local_dir, prefix, OneFileAtATime());
}

Status DownloadPrefix(ObjectStore& store, std::string_view prefix, const std::string& local_dir,
                      const TransferOptions& options) {
  const std::string context = "downloading " + store.Uri() + " prefix \"" + std::string(prefix) +
                              "\" into " + local_dir;
  std::string dir_prefix(prefix);
  if (!dir_prefix.empty() && !dir_prefix.ends_with('/')) dir_prefix += '/';
  Result<std::vector<ObjectInfo>> objects = store.List(dir_prefix);
  if (!objects.ok()) return objects.error().WithContext(context);
  std::vector<FileToMove> plan;  // relative paths; keys are dir_prefix + relative
  for (const ObjectInfo& object : *objects) {
    Result<std::string> relative = RelativePathOf(store, object.key, dir_prefix, local_dir);
    if (!relative.ok()) return relative.error();
    plan.push_back({std::move(relative).value(), object.size});
  }
  Status status = CreateDirectories(local_dir);
  if (!status.ok()) return status.error().WithContext(context);
  ProgressReporter progress(options, plan);
  status = ParallelFor(static_cast<int>(plan.size()), options.files_in_flight, [&](int index, int) {
    const FileToMove& file = plan[index];
    Status got = CheckNoSymlinkOnTheWay(local_dir, file.relative);
    if (got.ok()) got = store.GetFile(dir_prefix + file.relative, (fs::path(local_dir) / file.relative).string());
    if (!got.ok() && got.error().code != ErrorCode::kNotFound) return got;  // kNotFound: deleted meanwhile
    progress.FileDone(file.size);
    return Ok();
  });
  if (!status.ok()) return status.error().WithContext(context);
  return Ok();
}

Status DownloadPrefix(ObjectStore& store, std::string_view prefix, const std::string& local_dir) {
  return DownloadPrefix(store, prefix, local_dir, OneFileAtATime());
}

}  // namespace trainyard
