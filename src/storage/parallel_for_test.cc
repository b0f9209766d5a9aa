#include "storage/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <vector>

namespace trainyard {
namespace {

TEST(ParallelForTest, RunsEveryTaskOnceWithWorkerIndicesInRange) {
  std::vector<std::atomic<int>> runs(100);
  std::atomic<bool> bad_worker{false};
  Status status = ParallelFor(100, 4, [&](int index, int worker) {
    ++runs[index];
    if (worker < 0 || worker >= 4) bad_worker = true;
    return Ok();
  });
  EXPECT_TRUE(status.ok());
  for (const auto& count : runs) EXPECT_EQ(count.load(), 1);
  EXPECT_FALSE(bad_worker.load());
  EXPECT_TRUE(ParallelFor(0, 4, [](int, int) { return Status(MakeError(ErrorCode::kInternal, "no")); }).ok());
}

TEST(ParallelForTest, RunsTasksAtOnceUpToTheWorkerCount) {
  std::mutex mu;
  std::condition_variable all_in;
  int inside = 0;
  bool met = false;
  Status status = ParallelFor(3, 3, [&](int, int) {
    std::unique_lock<std::mutex> lock(mu);
    if (++inside == 3) met = true;
    all_in.notify_all();
    all_in.wait_for(lock, std::chrono::seconds(10), [&] { return met; });
    return Ok();
  });
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(met) << "three tasks never ran at the same time";
}

TEST(ParallelForTest, StopsStartingTasksAfterAFailureAndReportsTheLowestFailedIndex) {
  std::atomic<int> started{0};
  Status status = ParallelFor(1000, 1, [&](int index, int) -> Status {
    ++started;
    if (index == 5 || index == 7) return MakeError(ErrorCode::kUnavailable, "task " + std::to_string(index));
    return Ok();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "task 5");
  EXPECT_EQ(started.load(), 6);
}

}  // namespace
}  // namespace trainyard
