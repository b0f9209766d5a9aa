#include "health/disk_check.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <vector>

#include "health/posix_error.h"

namespace trainyard {
namespace {

// Creates, writes, fsyncs and removes a probe file in `dir`; the failure's
// description, or "" when all went well.
std::string ProbeWrite(const std::filesystem::path& dir) {
  static std::atomic<uint64_t> next_probe{0};
  const std::filesystem::path probe =
      dir / (".trainyard-health-probe-" + std::to_string(getpid()) + "-" + std::to_string(next_probe++));
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return PosixError(errno, "creating a probe file").message;
  static constexpr std::string_view kContent = "trainyard health probe\n";
  std::string failure;
  ssize_t written = write(fd, kContent.data(), kContent.size());
  if (written != static_cast<ssize_t>(kContent.size())) {
    failure = written < 0 ? PosixError(errno, "writing a probe file").message : "writing a probe file: short write";
  } else if (fsync(fd) != 0) {
    failure = PosixError(errno, "syncing a probe file").message;
  }
  if (close(fd) != 0 && failure.empty()) failure = PosixError(errno, "closing a probe file").message;
  if (unlink(probe.c_str()) != 0 && failure.empty()) failure = PosixError(errno, "removing a probe file").message;
  return failure;
}

}  // namespace

Result<HealthVerdict> DiskHealthCheck::Run(const HealthContext& context) {
  if (context.ml_root.empty()) return MakeError(ErrorCode::kInvalidArgument, "disk check: no ml_root");
  std::vector<std::filesystem::path> paths = {context.ml_root};
  if (!context.checkpoint_dir.empty() && context.checkpoint_dir != context.ml_root) {
    paths.push_back(context.checkpoint_dir);
  }
  std::vector<std::string> problems, facts;
  for (const std::filesystem::path& path : paths) {
    struct statvfs fs;
    if (statvfs(path.c_str(), &fs) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        problems.push_back(path.string() + ": does not exist");
        continue;
      }
      return PosixError(errno, "statvfs " + path.string());
    }
    const int64_t free_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
    facts.push_back(path.string() + ": " + FormatBytes(free_bytes) + " free");
    if (free_bytes < options_.min_free_bytes) {
      problems.push_back(facts.back() + ", needs " + FormatBytes(options_.min_free_bytes));
    }
    if (std::string failure = ProbeWrite(path); !failure.empty()) {
      problems.push_back(path.string() + ": not writable (" + failure + ")");
    }
  }
  const std::vector<std::string>& told = problems.empty() ? facts : problems;
  HealthVerdict verdict{std::string(name()), problems.empty(), ""};
  for (const std::string& line : told) verdict.evidence += (verdict.evidence.empty() ? "" : "; ") + line;
  return verdict;
}

}  // namespace trainyard
