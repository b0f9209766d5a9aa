#include "checkpoint/history_keeper.h"

#include <gtest/gtest.h>

#include "checkpoint/sync_point.h"
#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using storage_testing::ReadFile;
using storage_testing::TempDir;
using storage_testing::WriteFile;

const std::string kSha(64, 'a');

class HistoryKeeperTest : public ::testing::Test {
 protected:
  void Put(const std::string& key, const std::string& content) {
    WriteFile(scratch_.Path("x"), content);
    ASSERT_TRUE(file_store_.PutFile(key, scratch_.Path("x")).ok());
  }
  std::string Object(const std::string& key) { return ReadFile(root_.Path(key)); }

  TempDir root_;
  TempDir scratch_;
  FileObjectStore file_store_{root_.path()};
  FaultInjectingObjectStore store_{file_store_};
  // The file store dates objects by the real time; so does this clock.
  SystemClock clock_;
  HistoryKeeper keeper_{store_, clock_, std::chrono::minutes(5)};
};

TEST_F(HistoryKeeperTest, CopiesTheLiveObjectOnceWhileFresh) {
  Put("model.pt", "v1");
  ASSERT_TRUE(keeper_.Preserve("model.pt", kSha).ok());
  EXPECT_EQ(Object(HistoryKey(kSha)), "v1");
  ASSERT_TRUE(keeper_.Preserve("model.pt", kSha).ok());
  ASSERT_TRUE(keeper_.Preserve("other-path-same-content", kSha).ok());
  EXPECT_EQ(keeper_.Copies(), 1);
  EXPECT_EQ(store_.CallCount(ObjectStoreOp::kCopy), 1);
}

TEST_F(HistoryKeeperTest, AFreshHistoryObjectInTheStoreIsTrusted) {
  Put("model.pt", "v1");
  Put(HistoryKey(kSha), "v1");  // written by another writer a moment ago
  ASSERT_TRUE(keeper_.Preserve("model.pt", kSha).ok());
  EXPECT_EQ(store_.CallCount(ObjectStoreOp::kCopy), 0);
}

TEST_F(HistoryKeeperTest, AStaleHistoryObjectIsCopiedAgainToRenewIt) {
  HistoryKeeper strict(store_, clock_, std::chrono::milliseconds(0));  // everything is stale
  Put("model.pt", "v1");
  Put(HistoryKey(kSha), "v1");
  ASSERT_TRUE(strict.Preserve("model.pt", kSha).ok());
  EXPECT_EQ(store_.CallCount(ObjectStoreOp::kCopy), 1);
}

TEST_F(HistoryKeeperTest, AMissingLiveObjectLeavesNothingToKeep) {
  ASSERT_TRUE(keeper_.Preserve("gone.pt", kSha).ok());
  EXPECT_EQ(keeper_.Copies(), 0);
}

TEST_F(HistoryKeeperTest, StoreErrorsPassThroughAndAreRetriedNextTime) {
  Put("model.pt", "v1");
  store_.FailNthCall(ObjectStoreOp::kCopy, 1);
  Status failed = keeper_.Preserve("model.pt", kSha);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(failed.error().message.find("model.pt"), std::string::npos);
  ASSERT_TRUE(keeper_.Preserve("model.pt", kSha).ok());
  EXPECT_EQ(Object(HistoryKey(kSha)), "v1");
}

}  // namespace
}  // namespace trainyard
