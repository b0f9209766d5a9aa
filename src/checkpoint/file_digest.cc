#include "checkpoint/file_digest.h"

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

Result<FileIdentity> CheckRegular(const struct stat& st, const std::string& path) {
  if (!S_ISREG(st.st_mode)) return MakeError(ErrorCode::kInvalidArgument, path + " is not a regular file");
  return IdentityOf(st);
}

}  // namespace

Result<FileIdentity> StatFileIdentity(const std::string& path) { return StatFileIdentityAt(AT_FDCWD, path); }

Result<FileDigest> DigestFile(const std::string& path) { return DigestFileAt(AT_FDCWD, path); }

Result<FileIdentity> StatFileIdentityAt(int dir_fd, const std::string& path) {
  struct stat st;
  if (fstatat(dir_fd, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoError(errno, "stat " + path);
  return CheckRegular(st, path);
}

Result<FileDigest> DigestFileAt(int dir_fd, const std::string& path) {
  UniqueFd fd(openat(dir_fd, path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError(errno, "reading " + path);
  struct stat before;
  if (fstat(fd.get(), &before) != 0) return ErrnoError(errno, "stat " + path);
  FileDigest digest;
  TY_ASSIGN_OR_RETURN(digest.identity, CheckRegular(before, path));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return MakeError(ErrorCode::kInternal, "sha256 unavailable");
  }
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t n = read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "reading " + path);
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(n));
    digest.size += n;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &md_len);
  digest.sha256 = HexEncode(std::string_view(reinterpret_cast<const char*>(md), md_len));
  struct stat after;
  if (fstatat(dir_fd, path.c_str(), &after, AT_SYMLINK_NOFOLLOW) != 0) {
    digest.stable = false;  // gone or replaced while read
    return digest;
  }
  digest.stable = S_ISREG(after.st_mode) && IdentityOf(after) == digest.identity &&
                  digest.size == digest.identity.size;
  return digest;
}

}  // namespace trainyard
