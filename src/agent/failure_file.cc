#include "agent/failure_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/utf8_cut.h"

namespace trainyard {

Result<std::string> ReadFailureFile(const std::filesystem::path& path, size_t max_bytes) {
  // The training program owns this directory and the agent may run as root:
  // never follow a symlink or block on a FIFO planted there.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::string();
    return MakeError(ErrorCode::kInternal,
                     "opening " + path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return MakeError(ErrorCode::kInternal, path.string() + " is not a regular file");
  }
  // One byte past the limit tells whether the text was cut.
  std::string text(max_bytes + 1, '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return MakeError(ErrorCode::kInternal,
                       "reading " + path.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  text.resize(Utf8PrefixLength(text, max_bytes));
  return text;
}

}  // namespace trainyard
