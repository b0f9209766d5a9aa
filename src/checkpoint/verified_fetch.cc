#include "checkpoint/verified_fetch.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

namespace trainyard {
namespace {

// Why the downloaded file is not the expected content; nullopt if it is.
std::optional<std::string> Mismatch(const FetchTask& task, const FileDigest& digest) {
  if (task.size >= 0 && digest.size != task.size) {
    return "has " + std::to_string(digest.size) + " bytes, expected " + std::to_string(task.size);
  }
  if (!task.sha256.empty() && digest.sha256 != task.sha256) return "has another SHA-256 (" + digest.sha256 + ")";
  return std::nullopt;
}

Result<FetchOutcome> FetchOne(ObjectStore& store, const FetchTask& task) {
  FetchOutcome outcome;
  for (const std::string& key : task.keys) {
    Status got = store.GetFile(key, task.local_path);
    if (!got.ok()) {
      if (got.error().code != ErrorCode::kNotFound) return got.error();
      outcome.rejected.push_back(key + ": no such object");
      continue;
    }
    TY_ASSIGN_OR_RETURN(FileDigest digest, DigestFile(task.local_path));
    if (std::optional<std::string> why = Mismatch(task, digest)) {
      outcome.rejected.push_back(key + ": " + *why);
      unlink(task.local_path.c_str());
      continue;
    }
    outcome.found = true;
    outcome.key = key;
    outcome.digest = std::move(digest);
    return outcome;
  }
  return outcome;
}

}  // namespace

Result<std::vector<FetchOutcome>> FetchVerified(ObjectStore& store, const std::vector<FetchTask>& tasks,
                                                const FetchOptions& options) {
  std::vector<FetchOutcome> outcomes(tasks.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;  // guards first_error and serialises on_done
  std::optional<Error> first_error;
  auto work = [&] {
    while (!failed.load()) {
      size_t index = next.fetch_add(1);
      if (index >= tasks.size()) return;
      Result<FetchOutcome> outcome = FetchOne(store, tasks[index]);
      std::lock_guard<std::mutex> lock(mu);
      if (!outcome.ok()) {
        if (!first_error) first_error = outcome.error();
        failed = true;
        return;
      }
      outcomes[index] = std::move(outcome).value();
      if (options.on_done) options.on_done(index, outcomes[index]);
    }
  };
  const size_t threads = std::min(tasks.size(), static_cast<size_t>(std::max(options.parallelism, 1)));
  std::vector<std::thread> workers;
  for (size_t i = 1; i < threads; ++i) workers.emplace_back(work);
  if (threads > 0) work();  // this thread is one of the workers
  for (std::thread& worker : workers) worker.join();
  if (first_error) return *first_error;
  return outcomes;
}

}  // namespace trainyard
