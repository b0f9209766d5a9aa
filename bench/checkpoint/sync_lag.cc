#include "sync_lag.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "checkpoint/checkpoint_retention.h"
#include "checkpoint/directory_watcher.h"
#include "checkpoint/sync_point.h"
#include "common/clock.h"

namespace trainyard::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t SteadyMs(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// What on_durable reported, by path (the first report of each).
class DurableLog {
 public:
  struct Report {
    int64_t lag_ms;        // DurableFile::lag_ms
    int64_t at_steady_ms;  // when on_durable ran
  };
  void Add(const DurableFile& file) {
    std::lock_guard lock(mu_);
    reports_.try_emplace(file.path, Report{file.lag_ms, SteadyMs(SteadyClock::now())});
  }
  std::map<std::string, Report> Reports() const {
    std::lock_guard lock(mu_);
    return reports_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, Report> reports_;
};

constexpr int64_t kBlockBytes = 1 << 20;

// One block of random bytes; files are made of copies of it, each copy
// stamped with the file's counter and its own offset, so that every file (and
// every block) differs while this process holds only one block.
std::vector<char> RandomBlock() {
  std::vector<char> block(kBlockBytes);
  std::mt19937_64 random(20261127);
  for (size_t i = 0; i < block.size(); i += sizeof(uint64_t)) {
    uint64_t word = random();
    std::memcpy(block.data() + i, &word, sizeof word);
  }
  return block;
}

Status WriteAll(int fd, const char* data, int64_t size, const std::string& path) {
  int64_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, data + done, static_cast<size_t>(size - done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return MakeError(ErrorCode::kInternal, "write " + path + ": " + std::strerror(errno));
    done += n;
  }
  return Ok();
}

// Writes `size` bytes to `path` (see RandomBlock) and closes it.
Status WriteFile(const std::string& path, std::vector<char>& block, int64_t size, uint64_t counter) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return MakeError(ErrorCode::kInternal, "open " + path + ": " + std::strerror(errno));
  Status written = Ok();
  for (int64_t offset = 0; offset < size && written.ok(); offset += kBlockBytes) {
    const uint64_t stamp[2] = {counter, static_cast<uint64_t>(offset)};
    std::memcpy(block.data(), stamp, sizeof stamp);
    written = WriteAll(fd, block.data(), std::min(kBlockBytes, size - offset), path);
  }
  if (close(fd) != 0 && written.ok()) {
    written = MakeError(ErrorCode::kInternal, "close " + path + ": " + std::strerror(errno));
  }
  return written;
}

CheckpointMirrorOptions MirrorOptions(ObjectStore& store, const SyncLagOptions& options, DurableLog& log) {
  CheckpointMirrorOptions mirror;  // the agent's settings (agent/checkpoint_sync.cc), defaults elsewhere
  mirror.local_dir = options.local_dir;
  mirror.host = "algo-1";
  mirror.job_name = "bench-sync-lag";
  mirror.random_seed = 1;
  mirror.collect_garbage = [&store](EpochMs now_ms) -> Status {
    Result<GarbageReport> report = CollectCheckpointGarbage(store, RetentionOptions{}, now_ms);
    if (!report.ok()) return report.error();
    return Ok();
  };
  mirror.on_durable = [&log](const DurableFile& file) { log.Add(file); };
  return mirror;
}

// Writes every file on the schedule into `samples`, and when each close()
// returned (steady ms) into `closed_at`.
Status WriteOnSchedule(const SyncLagOptions& options, std::vector<SyncLagSample>& samples,
                       std::map<std::string, int64_t>& closed_at) {
  std::vector<char> block = RandomBlock();
  const SteadyClock::time_point start = SteadyClock::now();
  uint64_t counter = 0;
  for (int64_t size : options.sizes_bytes) {
    for (int i = 0; i < options.files_per_size; ++i, ++counter) {
      std::this_thread::sleep_until(start + counter * options.interval);  // the schedule, not a wait for state
      SyncLagSample sample;
      sample.path = "lag-" + std::to_string(size >> 20) + "mb-" + std::to_string(i) + ".bin";
      sample.size = size;
      const SteadyClock::time_point before = SteadyClock::now();
      TY_RETURN_IF_ERROR(WriteFile(options.local_dir + "/" + sample.path, block, size, counter));
      const SteadyClock::time_point after = SteadyClock::now();
      sample.write_ms = SteadyMs(after) - SteadyMs(before);
      closed_at[sample.path] = SteadyMs(after);
      samples.push_back(sample);
    }
  }
  return Ok();
}

void AttachReports(const DurableLog& durable, const std::map<std::string, int64_t>& closed_at,
                   std::vector<SyncLagSample>& samples) {
  const std::map<std::string, DurableLog::Report> reports = durable.Reports();
  for (SyncLagSample& sample : samples) {
    auto it = reports.find(sample.path);
    if (it == reports.end()) continue;
    sample.mirror_lag_ms = it->second.lag_ms;
    sample.close_to_durable_ms = it->second.at_steady_ms - closed_at.at(sample.path);
  }
}

}  // namespace

Result<SyncLagReport> RunSyncLag(ObjectStore& store, const SyncLagOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.local_dir, ec);
  if (ec) return MakeError(ErrorCode::kInternal, "creating " + options.local_dir + ": " + ec.message());

  DirectoryWatcherOptions watch;
  watch.excluded_dirs = {std::string(kCheckpointControlDir)};
  TY_ASSIGN_OR_RETURN(std::unique_ptr<DirectoryWatcher> watcher,
                      NewInotifyDirectoryWatcher(options.local_dir, watch));
  SystemClock clock;
  DurableLog durable;
  CheckpointMirror mirror(store, *watcher, clock, MirrorOptions(store, options, durable));
  TY_RETURN_IF_ERROR(mirror.Start());

  SyncLagReport report;
  std::map<std::string, int64_t> closed_at;
  TY_RETURN_IF_ERROR(WriteOnSchedule(options, report.samples, closed_at));

  const int64_t flush_start = clock.MonotonicMs();
  Status flushed = mirror.Flush(flush_start + options.flush_timeout.count());
  report.flush_ms = clock.MonotonicMs() - flush_start;
  report.status = mirror.SyncStatus();
  mirror.Stop();
  if (!flushed.ok()) return flushed.error().WithContext("flushing the mirror after the last write");
  AttachReports(durable, closed_at, report.samples);
  return report;
}

}  // namespace trainyard::bench
