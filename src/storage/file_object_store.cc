#include "storage/file_object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>

#include "storage/local_fs.h"

namespace trainyard {
namespace {

// A validated key as directory segments plus the file name (last segment).
Result<std::vector<std::string>> KeySegments(std::string_view key) {
  TY_RETURN_IF_ERROR(ValidateObjectKey(key));
  std::vector<std::string> segments;
  size_t start = 0;
  while (true) {
    size_t end = key.find('/', start);
    segments.emplace_back(key.substr(start, end == std::string_view::npos ? end : end - start));
    if (IsPartialFileName(segments.back())) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "invalid object key \"" + std::string(key) + "\": segments starting with \"" +
                           std::string(kPartialFilePrefix) + "\" are reserved for temp files");
    }
    if (end == std::string_view::npos) return segments;
    start = end + 1;
  }
}

std::span<const std::string> Parents(const std::vector<std::string>& segments) {
  return std::span<const std::string>(segments.data(), segments.size() - 1);
}

bool MeansMissing(const Error& error) { return error.code == ErrorCode::kNotFound; }

// The directory holding the object's file, for reading. Anything in the way
// (missing root or directory, a symlink, a file where a directory should be)
// means the object does not exist: kNotFound.
Result<UniqueFd> OpenParentForRead(const std::string& root, const std::vector<std::string>& segments) {
  Result<UniqueFd> root_fd = OpenDirectory(root);
  if (!root_fd.ok()) return root_fd.error();
  return OpenDirectoryBeneath(root_fd->get(), Parents(segments), /*create=*/false);
}

Result<struct stat> StatObject(int dir_fd, const std::string& name) {
  struct stat st;
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoError(errno, "stat");
  if (!S_ISREG(st.st_mode)) return MakeError(ErrorCode::kNotFound, "not a regular file");
  return st;
}

// The object's file, opened for reading; kNotFound unless it is a regular file.
Result<UniqueFd> OpenObject(const std::string& root, const std::vector<std::string>& segments) {
  TY_ASSIGN_OR_RETURN(UniqueFd dir, OpenParentForRead(root, segments));
  int fd = openat(dir.get(), segments.back().c_str(),
                  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP || errno == ENOTDIR) return MakeError(ErrorCode::kNotFound, "not a regular file");
    return ErrnoError(errno, "open");
  }
  UniqueFd file(fd);
  struct stat st;
  if (fstat(file.get(), &st) != 0) return ErrnoError(errno, "stat");
  if (!S_ISREG(st.st_mode)) return MakeError(ErrorCode::kNotFound, "not a regular file");
  return file;
}

Error NoSuchObject(const std::string& uri) {
  return MakeError(ErrorCode::kNotFound, "no such object: " + uri);
}

struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};

// Adds every regular file at or below dir_fd whose key starts with `filter`.
// `key_prefix` is the key of dir_fd's directory plus '/', or empty at the root.
Status Walk(int dir_fd, const std::string& key_prefix, std::string_view filter,
            std::vector<ObjectInfo>* out) {
  int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return ErrnoError(errno, "dup");
  std::unique_ptr<DIR, DirCloser> dir(fdopendir(fd));
  if (!dir) {
    int err = errno;
    close(fd);
    return ErrnoError(err, "reading directory");
  }
  while (true) {
    errno = 0;
    struct dirent* entry = readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return ErrnoError(errno, "reading directory \"" + key_prefix + "\"");
      return Ok();
    }
    std::string_view name = entry->d_name;
    if (name == "." || name == ".." || IsPartialFileName(name)) continue;
    std::string key = key_prefix + std::string(name);
    struct stat st;
    if (fstatat(dirfd(dir.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // deleted while we listed
      return ErrnoError(errno, "stat \"" + key + "\"");
    }
    if (S_ISREG(st.st_mode)) {
      if (key.starts_with(filter)) out->push_back(ObjectInfo{key, st.st_size, MtimeMs(st)});
      continue;
    }
    if (!S_ISDIR(st.st_mode)) continue;
    std::string child_prefix = key + "/";
    if (!child_prefix.starts_with(filter) && !filter.starts_with(child_prefix)) continue;
    int child = openat(dirfd(dir.get()), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child < 0) {
      if (errno == ENOENT) continue;
      return ErrnoError(errno, "opening directory \"" + key + "\"");
    }
    UniqueFd child_fd(child);
    TY_RETURN_IF_ERROR(Walk(child_fd.get(), child_prefix, filter, out));
  }
}

// Removes the directories holding `segments`' file while they are empty.
void RemoveEmptyParents(int root_fd, const std::vector<std::string>& segments) {
  for (size_t depth = segments.size() - 1; depth > 0; --depth) {
    Result<UniqueFd> parent = OpenDirectoryBeneath(
        root_fd, std::span<const std::string>(segments.data(), depth - 1), /*create=*/false);
    if (!parent.ok()) return;
    if (unlinkat(parent->get(), segments[depth - 1].c_str(), AT_REMOVEDIR) != 0) return;
  }
}

}  // namespace

FileObjectStore::FileObjectStore(std::string root_dir) : root_(std::move(root_dir)) {}

std::string FileObjectStore::Uri() const { return "file://" + root_; }

std::string FileObjectStore::ObjectUri(std::string_view key) const {
  std::string uri = Uri();
  if (!uri.ends_with('/')) uri += '/';
  return uri.append(key);
}

Status FileObjectStore::PutFile(std::string_view key, const std::string& local_path) {
  const std::string context = "putting " + ObjectUri(key);
  Result<std::vector<std::string>> segments = KeySegments(key);
  if (!segments.ok()) return segments.error().WithContext(context);
  UniqueFd source(open(local_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (source.get() < 0) return ErrnoError(errno, "reading " + local_path).WithContext(context);
  struct stat st;
  if (fstat(source.get(), &st) != 0) return ErrnoError(errno, "stat " + local_path).WithContext(context);
  if (!S_ISREG(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument, local_path + " is not a regular file")
        .WithContext(context);
  }
  Status status = WriteObject(*segments, source.get(), local_path);
  if (!status.ok()) return status.error().WithContext(context);
  return Ok();
}

Status FileObjectStore::Copy(std::string_view from_key, std::string_view to_key) {
  const std::string context = "copying " + ObjectUri(from_key) + " to " + ObjectUri(to_key);
  Result<std::vector<std::string>> from = KeySegments(from_key);
  if (!from.ok()) return from.error().WithContext(context);
  Result<std::vector<std::string>> to = KeySegments(to_key);
  if (!to.ok()) return to.error().WithContext(context);
  Result<UniqueFd> object = OpenObject(root_, *from);
  if (!object.ok()) {
    if (MeansMissing(object.error())) return NoSuchObject(ObjectUri(from_key));
    return object.error().WithContext(context);
  }
  Status status = WriteObject(*to, object->get(), ObjectUri(from_key));
  if (!status.ok()) return status.error().WithContext(context);
  return Ok();
}

Status FileObjectStore::WriteObject(const std::vector<std::string>& segments, int source_fd,
                                    const std::string& source_name) {
  TY_RETURN_IF_ERROR(CreateDirectories(root_));
  TY_ASSIGN_OR_RETURN(UniqueFd root_fd, OpenDirectory(root_));
  const auto copy = [&](int out_fd) -> Status {
    if (lseek(source_fd, 0, SEEK_SET) != 0) return ErrnoError(errno, "seek " + source_name);
    return CopyFdContents(source_fd, out_fd);
  };
  // A concurrent Delete may remove a directory we just made; try again then.
  Status status = Ok();
  for (int attempt = 0;; ++attempt) {
    Result<UniqueFd> dir = OpenDirectoryBeneath(root_fd.get(), Parents(segments), /*create=*/true);
    status = dir.ok() ? WriteFileAtomically(dir->get(), segments.back(), 0644, copy) : dir.error();
    if (status.ok()) return Ok();
    if (status.error().code != ErrorCode::kNotFound || attempt == 2) break;
  }
  return status;
}

Status FileObjectStore::GetFile(std::string_view key, const std::string& local_path) {
  const std::string context = "getting " + ObjectUri(key) + " into " + local_path;
  Result<std::vector<std::string>> segments = KeySegments(key);
  if (!segments.ok()) return segments.error().WithContext(context);
  Result<UniqueFd> object = OpenObject(root_, *segments);
  if (!object.ok()) {
    if (MeansMissing(object.error())) return NoSuchObject(ObjectUri(key));
    return object.error().WithContext(context);
  }
  std::filesystem::path path(local_path);
  std::string name = path.filename().string();
  if (name.empty() || name == "." || name == "..") {
    return MakeError(ErrorCode::kInvalidArgument, "the local path must name a file").WithContext(context);
  }
  std::string parent = path.has_parent_path() ? path.parent_path().string() : ".";
  Status status = CreateDirectories(parent);
  if (!status.ok()) return status.error().WithContext(context);
  Result<UniqueFd> dir = OpenDirectory(parent);
  if (!dir.ok()) return dir.error().WithContext(context);
  status = WriteFileAtomically(dir->get(), name, 0644, [&](int out_fd) {
    return CopyFdContents(object->get(), out_fd);
  });
  if (!status.ok()) return status.error().WithContext(context);
  return Ok();
}

Result<std::vector<ObjectInfo>> FileObjectStore::List(std::string_view prefix) {
  const std::string context = "listing " + ObjectUri(prefix);
  Status valid = ValidateListPrefix(prefix);
  if (!valid.ok()) return valid.error().WithContext(context);
  std::vector<ObjectInfo> objects;
  size_t last_slash = prefix.rfind('/');
  std::string dir_key = last_slash == std::string_view::npos ? "" : std::string(prefix.substr(0, last_slash));
  std::vector<std::string> dir_segments;
  if (!dir_key.empty()) {
    Result<std::vector<std::string>> segments = KeySegments(dir_key);
    if (!segments.ok()) return objects;  // a reserved name: no objects there
    dir_segments = std::move(segments).value();
  }
  Result<UniqueFd> root_fd = OpenDirectory(root_);
  if (!root_fd.ok()) {
    if (root_fd.error().code == ErrorCode::kNotFound) return objects;
    return root_fd.error().WithContext(context);
  }
  Result<UniqueFd> dir = OpenDirectoryBeneath(root_fd->get(), dir_segments, /*create=*/false);
  if (!dir.ok()) {
    if (MeansMissing(dir.error())) return objects;
    return dir.error().WithContext(context);
  }
  Status status = Walk(dir->get(), dir_key.empty() ? "" : dir_key + "/", prefix, &objects);
  if (!status.ok()) return status.error().WithContext(context);
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

Status FileObjectStore::Delete(std::string_view key) {
  const std::string context = "deleting " + ObjectUri(key);
  Result<std::vector<std::string>> segments = KeySegments(key);
  if (!segments.ok()) return segments.error().WithContext(context);
  Result<UniqueFd> root_fd = OpenDirectory(root_);
  if (!root_fd.ok()) {
    if (root_fd.error().code == ErrorCode::kNotFound) return Ok();
    return root_fd.error().WithContext(context);
  }
  Result<UniqueFd> dir = OpenDirectoryBeneath(root_fd->get(), Parents(*segments), /*create=*/false);
  if (!dir.ok()) {
    if (MeansMissing(dir.error())) return Ok();
    return dir.error().WithContext(context);
  }
  Result<struct stat> st = StatObject(dir->get(), segments->back());
  if (!st.ok()) {
    if (st.error().code == ErrorCode::kNotFound) return Ok();
    return st.error().WithContext(context);
  }
  if (unlinkat(dir->get(), segments->back().c_str(), 0) != 0 && errno != ENOENT) {
    return ErrnoError(errno, "unlink").WithContext(context);
  }
  if (fsync(dir->get()) != 0) return ErrnoError(errno, "fsync of the directory").WithContext(context);
  RemoveEmptyParents(root_fd->get(), *segments);
  return Ok();
}

Result<ObjectInfo> FileObjectStore::Head(std::string_view key) {
  const std::string context = "head " + ObjectUri(key);
  Result<std::vector<std::string>> segments = KeySegments(key);
  if (!segments.ok()) return segments.error().WithContext(context);
  Result<UniqueFd> dir = OpenParentForRead(root_, *segments);
  if (!dir.ok()) {
    if (MeansMissing(dir.error())) return NoSuchObject(ObjectUri(key));
    return dir.error().WithContext(context);
  }
  Result<struct stat> st = StatObject(dir->get(), segments->back());
  if (!st.ok()) {
    if (st.error().code == ErrorCode::kNotFound) return NoSuchObject(ObjectUri(key));
    return st.error().WithContext(context);
  }
  return ObjectInfo{std::string(key), st->st_size, MtimeMs(*st)};
}

}  // namespace trainyard
