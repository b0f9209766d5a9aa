#include "storage/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace trainyard {

Status ParallelFor(int count, int workers, const std::function<Status(int index, int worker)>& task) {
  workers = std::max(1, std::min(workers, count));
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  int failed_index = count;
  Status first_failure = Ok();

  auto run = [&](int worker) {
    while (!failed.load()) {
      int index = next.fetch_add(1);
      if (index >= count) return;
      Status status = task(index, worker);
      if (status.ok()) continue;
      std::lock_guard<std::mutex> lock(mu);
      failed.store(true);
      if (index < failed_index) {
        failed_index = index;
        first_failure = status;
      }
    }
  };

  std::vector<std::thread> threads;
  for (int worker = 1; worker < workers; ++worker) {
    try {
      threads.emplace_back(run, worker);
    } catch (const std::system_error&) {
      break;  // no more threads: the ones we have share the work
    }
  }
  run(0);
  for (std::thread& thread : threads) thread.join();
  return first_failure;
}

}  // namespace trainyard
