#include "storage/local_fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace trainyard {
namespace {

ErrorCode CodeForErrno(int err) {
  switch (err) {
    case ENOENT: return ErrorCode::kNotFound;
    case ENOSPC: case EDQUOT: return ErrorCode::kResourceExhausted;
    case EACCES: case EPERM: case EROFS: case ENOTDIR: case EISDIR: case ELOOP:
    case EEXIST: case ENOTEMPTY: return ErrorCode::kFailedPrecondition;
    case ENAMETOOLONG: case EINVAL: return ErrorCode::kInvalidArgument;
    case EIO: case EAGAIN: case EINTR: case ETIMEDOUT: case ESTALE: case EBUSY:
      return ErrorCode::kUnavailable;
    default: return ErrorCode::kInternal;
  }
}

// Uniqueness comes from O_EXCL; the random part only makes collisions rare.
std::string NewPartialFileName() {
  std::random_device device;
  uint64_t bits = (static_cast<uint64_t>(device()) << 32) | device();
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(bits));
  return std::string(kPartialFilePrefix) + hex;
}

Result<UniqueFd> CreatePartialFile(int dir_fd, std::string* name) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    *name = NewPartialFileName();
    int fd = openat(dir_fd, name->c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != EEXIST) return ErrnoError(errno, "creating a temp file");
  }
  return MakeError(ErrorCode::kInternal, "creating a temp file: too many name collisions");
}

Status FinishPartialFile(UniqueFd fd, mode_t mode) {
  if (fchmod(fd.get(), mode) != 0) return ErrnoError(errno, "chmod");
  if (fsync(fd.get()) != 0) return ErrnoError(errno, "fsync");
  if (close(fd.release()) != 0) return ErrnoError(errno, "close");
  return Ok();
}

}  // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.release();
  }
  return *this;
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

Error ErrnoError(int err, std::string_view what) {
  return MakeError(CodeForErrno(err), std::string(what) + ": " + std::strerror(err));
}

bool IsPartialFileName(std::string_view name) { return name.starts_with(kPartialFilePrefix); }

Status CreateDirectories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return ErrnoError(ec.value(), "creating directory " + path);
  return Ok();
}

Result<UniqueFd> OpenDirectory(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "opening directory " + path);
  return UniqueFd(fd);
}

Result<UniqueFd> OpenDirectoryBeneath(int dir_fd, std::span<const std::string> segments,
                                      bool create) {
  UniqueFd current(fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
  if (current.get() < 0) return ErrnoError(errno, "dup");
  for (const std::string& segment : segments) {
    if (create && mkdirat(current.get(), segment.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoError(errno, "creating directory \"" + segment + "\"");
    }
    int fd = openat(current.get(), segment.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ELOOP || errno == ENOTDIR) {
        return MakeError(create ? ErrorCode::kFailedPrecondition : ErrorCode::kNotFound,
                         "\"" + segment + "\" is a symlink or not a directory (symlinks are not followed)");
      }
      return ErrnoError(errno, "opening directory \"" + segment + "\"");
    }
    current = UniqueFd(fd);
  }
  return current;
}

Result<PartialFile> PartialFile::Create(int dir_fd) {
  std::string temp_name;
  TY_ASSIGN_OR_RETURN(UniqueFd fd, CreatePartialFile(dir_fd, &temp_name));
  return PartialFile(dir_fd, std::move(fd), std::move(temp_name));
}

PartialFile::PartialFile(PartialFile&& other) noexcept
    : dir_fd_(other.dir_fd_), fd_(std::move(other.fd_)), temp_name_(std::move(other.temp_name_)) {
  other.temp_name_.clear();
}

PartialFile::~PartialFile() {
  if (!temp_name_.empty()) unlinkat(dir_fd_, temp_name_.c_str(), 0);
}

Status PartialFile::Commit(const std::string& name, mode_t mode) {
  TY_RETURN_IF_ERROR(FinishPartialFile(std::move(fd_), mode));
  if (renameat(dir_fd_, temp_name_.c_str(), dir_fd_, name.c_str()) != 0) {
    return ErrnoError(errno, "renaming into place as \"" + name + "\"");
  }
  temp_name_.clear();
  if (fsync(dir_fd_) != 0) return ErrnoError(errno, "fsync of the directory");
  return Ok();
}

Status WriteFileAtomically(int dir_fd, const std::string& name, mode_t mode,
                           const FileWriter& write) {
  TY_ASSIGN_OR_RETURN(PartialFile file, PartialFile::Create(dir_fd));
  TY_RETURN_IF_ERROR(write(file.fd()));
  return file.Commit(name, mode);
}

Status WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "write");
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return Ok();
}

Status CopyFdContents(int in_fd, int out_fd) {
  std::vector<char> buffer(1 << 20);
  while (true) {
    ssize_t n = read(in_fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "read");
    }
    if (n == 0) return Ok();
    TY_RETURN_IF_ERROR(WriteAll(out_fd, buffer.data(), static_cast<size_t>(n)));
  }
}

EpochMs MtimeMs(const struct stat& st) {
  return static_cast<EpochMs>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

}  // namespace trainyard
