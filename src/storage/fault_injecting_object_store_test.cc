#include "storage/fault_injecting_object_store.h"

#include <gtest/gtest.h>

#include "storage/file_object_store.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using storage_testing::TempDir;
using storage_testing::WriteFile;

class FaultInjectingObjectStoreTest : public ::testing::Test {
 protected:
  FaultInjectingObjectStoreTest() : inner_(dir_.Path("store")), store_(inner_) {
    WriteFile(dir_.Path("local"), "content");
  }

  Status Put(const std::string& key) { return store_.PutFile(key, dir_.Path("local")); }

  TempDir dir_;
  FileObjectStore inner_;
  FaultInjectingObjectStore store_;
};

TEST_F(FaultInjectingObjectStoreTest, FailsOnlyTheNthCallOfThatKind) {
  store_.FailNthCall(ObjectStoreOp::kPut, 2);
  EXPECT_TRUE(Put("a").ok());
  Status second = Put("b");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message.find("injected fault: put call #2"), std::string::npos);
  EXPECT_TRUE(Put("c").ok());
  EXPECT_TRUE(store_.Head("a").ok()) << "other kinds of call are unaffected";
  EXPECT_FALSE(*inner_.Exists("b")) << "a failed put stores nothing";
  EXPECT_EQ(store_.CallCount(ObjectStoreOp::kPut), 3);
  EXPECT_EQ(store_.InjectedFailures(), 1);
}

TEST_F(FaultInjectingObjectStoreTest, NthIsCountedFromWhenTheFaultIsAdded) {
  EXPECT_TRUE(Put("a").ok());
  EXPECT_TRUE(Put("b").ok());
  store_.FailNthCall(ObjectStoreOp::kPut, 1);
  EXPECT_FALSE(Put("c").ok());
  EXPECT_TRUE(Put("d").ok());
}

TEST_F(FaultInjectingObjectStoreTest, FailsEveryCallUntilCleared) {
  ASSERT_TRUE(Put("a").ok());
  store_.FailEveryCall(ObjectStoreOp::kGet);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(store_.GetFile("a", dir_.Path("out")).error().code, ErrorCode::kUnavailable);
  }
  store_.ClearFaults();
  EXPECT_TRUE(store_.GetFile("a", dir_.Path("out")).ok());
  EXPECT_EQ(store_.InjectedFailures(), 3);
}

TEST_F(FaultInjectingObjectStoreTest, AfterInnerCallTheOperationHappensButReportsFailure) {
  store_.AddFault({ObjectStoreOp::kPut, 1, ErrorCode::kDeadlineExceeded, /*after_inner_call=*/true});
  Status put = Put("lost-answer");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(*inner_.Exists("lost-answer"));
}

TEST_F(FaultInjectingObjectStoreTest, CoversListDeleteAndHeadIncludingExists) {
  ASSERT_TRUE(Put("a").ok());
  store_.FailNthCall(ObjectStoreOp::kList, 1);
  store_.FailNthCall(ObjectStoreOp::kDelete, 1);
  store_.FailNthCall(ObjectStoreOp::kHead, 1);
  EXPECT_FALSE(store_.List("").ok());
  EXPECT_FALSE(store_.Delete("a").ok());
  Result<bool> exists = store_.Exists("a");
  ASSERT_FALSE(exists.ok()) << "an injected head failure is not \"missing\"";
  EXPECT_EQ(exists.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(*store_.Exists("a"));
  EXPECT_EQ(store_.Uri(), inner_.Uri());
}

}  // namespace
}  // namespace trainyard
