#include "checkpoint/verified_fetch.h"

#include <gtest/gtest.h>

#include <set>

#include "checkpoint/checkpoint_test_util.h"
#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"

namespace trainyard {
namespace {

using checkpoint_testing::PutObject;
using checkpoint_testing::ReadFile;
using checkpoint_testing::TempDir;

FetchTask TaskFor(std::vector<std::string> keys, const std::string& local_path, const std::string& content) {
  return {std::move(keys), local_path, static_cast<int64_t>(content.size()), Sha256Hex(content)};
}

TEST(VerifiedFetchTest, TakesTheFirstCandidateWithTheRightContent) {
  TempDir root, scratch, local;
  FileObjectStore store(root.path());
  PutObject(store, scratch, "same-size", "new!");   // same size, other content
  PutObject(store, scratch, "other-size", "newer content");
  PutObject(store, scratch, "history", "old!");
  std::vector<FetchTask> tasks = {
      TaskFor({"same-size", "gone", "other-size", "history"}, local.Path("staged"), "old!")};
  Result<std::vector<FetchOutcome>> outcomes = FetchVerified(store, tasks, {});
  ASSERT_TRUE(outcomes.ok()) << outcomes.error().ToString();
  const FetchOutcome& outcome = (*outcomes)[0];
  ASSERT_TRUE(outcome.found);
  EXPECT_EQ(outcome.key, "history");
  EXPECT_EQ(outcome.digest.sha256, Sha256Hex("old!"));
  EXPECT_EQ(ReadFile(local.Path("staged")), "old!");
  ASSERT_EQ(outcome.rejected.size(), 3u);
  EXPECT_NE(outcome.rejected[0].find("another SHA-256"), std::string::npos) << outcome.rejected[0];
  EXPECT_NE(outcome.rejected[1].find("no such object"), std::string::npos) << outcome.rejected[1];
  EXPECT_NE(outcome.rejected[2].find("13 bytes, expected 4"), std::string::npos) << outcome.rejected[2];
}

TEST(VerifiedFetchTest, ContentFoundNowhereIsAResultNotAnError) {
  TempDir root, scratch, local;
  FileObjectStore store(root.path());
  PutObject(store, scratch, "a", "wrong");
  Result<std::vector<FetchOutcome>> outcomes =
      FetchVerified(store, {TaskFor({"a", "b"}, local.Path("x"), "right")}, {});
  ASSERT_TRUE(outcomes.ok()) << outcomes.error().ToString();
  EXPECT_FALSE((*outcomes)[0].found);
  EXPECT_EQ((*outcomes)[0].rejected.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(local.Path("x")));  // the wrong content is not left behind
}

TEST(VerifiedFetchTest, ManyInParallelEachReportedOnce) {
  TempDir root, scratch, local;
  FileObjectStore store(root.path());
  std::vector<FetchTask> tasks;
  for (int i = 0; i < 40; ++i) {
    std::string content = storage_testing::RandomBytes(1000 + i, i);
    PutObject(store, scratch, "f" + std::to_string(i), content);
    tasks.push_back(TaskFor({"f" + std::to_string(i)}, local.Path("s" + std::to_string(i)), content));
  }
  std::set<size_t> reported;
  FetchOptions options{4, [&](size_t index, const FetchOutcome& outcome) {
                         EXPECT_TRUE(outcome.found);
                         EXPECT_TRUE(reported.insert(index).second);
                       }};
  Result<std::vector<FetchOutcome>> outcomes = FetchVerified(store, tasks, options);
  ASSERT_TRUE(outcomes.ok()) << outcomes.error().ToString();
  EXPECT_EQ(reported.size(), 40u);
  for (size_t i = 0; i < tasks.size(); ++i) EXPECT_EQ((*outcomes)[i].digest.sha256, tasks[i].sha256);
}

TEST(VerifiedFetchTest, AStoreFailureStopsTheFetchAndIsReturned) {
  TempDir root, scratch, local;
  FileObjectStore files(root.path());
  std::vector<FetchTask> tasks;
  for (int i = 0; i < 10; ++i) {
    PutObject(files, scratch, "f" + std::to_string(i), "x");
    tasks.push_back(TaskFor({"f" + std::to_string(i)}, local.Path("s" + std::to_string(i)), "x"));
  }
  FaultInjectingObjectStore store(files);
  store.FailNthCall(ObjectStoreOp::kGet, 3);
  Result<std::vector<FetchOutcome>> outcomes = FetchVerified(store, tasks, FetchOptions{1, nullptr});
  ASSERT_FALSE(outcomes.ok());
  EXPECT_EQ(outcomes.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.CallCount(ObjectStoreOp::kGet), 3);  // nothing started after the failure
}

TEST(VerifiedFetchTest, NoTasksNoWork) {
  TempDir root;
  FileObjectStore store(root.path());
  Result<std::vector<FetchOutcome>> outcomes = FetchVerified(store, {}, {});
  ASSERT_TRUE(outcomes.ok());
  EXPECT_TRUE(outcomes->empty());
}

}  // namespace
}  // namespace trainyard
