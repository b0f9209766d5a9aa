#include "checkpoint/file_snapshot.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "common/crypto.h"
#include "storage/local_fs.h"

namespace trainyard {
namespace {

FileIdentity IdentityOf(const struct stat& st) {
  return {st.st_dev, st.st_ino, static_cast<int64_t>(st.st_size),
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

Status CopyAndHash(int in_fd, int out_fd, EVP_MD_CTX* ctx, int64_t* copied, const std::string& source) {
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t n = read(in_fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "reading " + source);
    if (n == 0) return Ok();
    EVP_DigestUpdate(ctx, buffer.data(), static_cast<size_t>(n));
    TY_RETURN_IF_ERROR(WriteAll(out_fd, buffer.data(), static_cast<size_t>(n)));
    *copied += n;
  }
}

Result<FileSnapshot> CopySnapshot(int in_fd, const std::string& source, const std::string& dest) {
  struct stat before;
  if (fstat(in_fd, &before) != 0) return ErrnoError(errno, "stat " + source);
  if (!S_ISREG(before.st_mode)) return MakeError(ErrorCode::kInvalidArgument, source + " is not a regular file");
  UniqueFd out(open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (out.get() < 0) return ErrnoError(errno, "creating snapshot " + dest);
  DigestContext ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return MakeError(ErrorCode::kInternal, "sha256 unavailable");
  }
  FileSnapshot snapshot;
  snapshot.identity = IdentityOf(before);
  Status copy = CopyAndHash(in_fd, out.get(), ctx.get(), &snapshot.size, source);
  if (!copy.ok()) return copy.error().WithContext("snapshot of " + source + " to " + dest);
  if (close(out.release()) != 0) return ErrnoError(errno, "closing snapshot " + dest);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &md_len);
  snapshot.sha256 = HexEncode(std::string_view(reinterpret_cast<const char*>(md), md_len));
  struct stat after;
  if (fstat(in_fd, &after) != 0) return ErrnoError(errno, "stat " + source);
  snapshot.stable = IdentityOf(after) == snapshot.identity && snapshot.size == snapshot.identity.size;
  return snapshot;
}

Result<FileSnapshot> SnapshotOpened(int dir_fd, const std::string& name, const std::string& source,
                                    const std::string& dest) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused after fstat).
  UniqueFd in(openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (in.get() < 0) {
    if (errno == ELOOP) return MakeError(ErrorCode::kInvalidArgument, source + " is a symlink");
    return ErrnoError(errno, "reading " + source);
  }
  Result<FileSnapshot> snapshot = CopySnapshot(in.get(), source, dest);
  if (!snapshot.ok()) unlink(dest.c_str());
  return snapshot;
}

}  // namespace

Result<FileSnapshot> SnapshotFile(const std::string& source, const std::string& dest) {
  return SnapshotOpened(AT_FDCWD, source, source, dest);
}

Result<FileSnapshot> SnapshotFileBeneath(const std::string& root, const std::string& relative,
                                         const std::string& dest) {
  const std::string source = root + "/" + relative;
  std::vector<std::string> segments;  // the parent directories
  size_t start = 0;
  for (size_t slash; (slash = relative.find('/', start)) != std::string::npos; start = slash + 1) {
    segments.push_back(relative.substr(start, slash - start));
  }
  const std::string leaf = relative.substr(start);
  TY_ASSIGN_OR_RETURN(UniqueFd root_fd, OpenDirectory(root));
  Result<UniqueFd> parent = OpenDirectoryBeneath(root_fd.get(), segments, /*create=*/false);
  if (!parent.ok()) return parent.error().WithContext("reading " + source);
  return SnapshotOpened(parent->get(), leaf, source, dest);
}

}  // namespace trainyard
