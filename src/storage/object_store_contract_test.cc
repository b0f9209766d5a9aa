// The ObjectStore contract: every implementation runs these tests.
// To add an implementation, add a factory to kStoreFactories below; a
// factory that cannot run here (e.g. no S3 server) returns nullptr and its
// tests are skipped.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"
#include "storage/object_store.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using storage_testing::RandomBytes;
using storage_testing::ReadFile;
using storage_testing::TempDir;
using storage_testing::WriteFile;

struct StoreFactory {
  std::string name;
  // Makes an empty store; `scratch` is a fresh directory it may use.
  std::function<std::unique_ptr<ObjectStore>(const std::string& scratch)> make;
};

// A FileObjectStore seen through a FaultInjectingObjectStore with no faults:
// the wrapper must be transparent.
class TransparentWrapper : public FaultInjectingObjectStore {
 public:
  explicit TransparentWrapper(std::unique_ptr<ObjectStore> inner)
      : FaultInjectingObjectStore(*inner), inner_(std::move(inner)) {}

 private:
  std::unique_ptr<ObjectStore> inner_;
};

const StoreFactory kStoreFactories[] = {
    {"File", [](const std::string& scratch) -> std::unique_ptr<ObjectStore> {
       return std::make_unique<FileObjectStore>(scratch + "/store");
     }},
    {"FaultInjectingWithoutFaults", [](const std::string& scratch) -> std::unique_ptr<ObjectStore> {
       return std::make_unique<TransparentWrapper>(std::make_unique<FileObjectStore>(scratch + "/store"));
     }},
};

class ObjectStoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(scratch_.path());
    if (!store_) GTEST_SKIP() << GetParam().name << " store is not available here";
  }

  // Puts `content` under `key` through a local file.
  void Put(const std::string& key, std::string_view content) {
    std::string local = scratch_.Path("upload/" + std::to_string(uploads_++));
    WriteFile(local, content);
    Status status = store_->PutFile(key, local);
    ASSERT_TRUE(status.ok()) << status.error().ToString();
  }

  std::string Get(const std::string& key) {
    std::string local = scratch_.Path("download/" + std::to_string(downloads_++));
    Status status = store_->GetFile(key, local);
    EXPECT_TRUE(status.ok()) << status.error().ToString();
    return ReadFile(local);
  }

  std::vector<std::string> ListKeys(std::string_view prefix) {
    Result<std::vector<ObjectInfo>> listed = store_->List(prefix);
    EXPECT_TRUE(listed.ok()) << listed.error().ToString();
    std::vector<std::string> keys;
    if (listed.ok()) {
      for (const ObjectInfo& info : *listed) keys.push_back(info.key);
    }
    return keys;
  }

  TempDir scratch_;
  std::unique_ptr<ObjectStore> store_;
  int uploads_ = 0;
  int downloads_ = 0;
};

TEST_P(ObjectStoreContractTest, SmallObjectRoundTripsByteForByte) {
  std::string content("line one\n\0binary\xff\x00 tail", 24);
  Put("ckpt/model.bin", content);
  EXPECT_EQ(Get("ckpt/model.bin"), content);
}

TEST_P(ObjectStoreContractTest, EmptyObjectRoundTrips) {
  Put("empty", "");
  EXPECT_EQ(Get("empty"), "");
  Result<ObjectInfo> info = store_->Head("empty");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 0);
}

TEST_P(ObjectStoreContractTest, TwentyMegabyteObjectRoundTripsByteForByte) {
  std::string content = RandomBytes(20 * 1024 * 1024 + 17, 42);
  Put("big/weights.pt", content);
  Result<ObjectInfo> info = store_->Head("big/weights.pt");
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_EQ(info->size, static_cast<int64_t>(content.size()));
  EXPECT_TRUE(Get("big/weights.pt") == content) << "downloaded bytes differ";
}

TEST_P(ObjectStoreContractTest, OverwriteReplacesTheWholeObject) {
  Put("k", "a much longer first version");
  Put("k", "short");
  EXPECT_EQ(Get("k"), "short");
  EXPECT_EQ(ListKeys(""), std::vector<std::string>{"k"});
}

TEST_P(ObjectStoreContractTest, GetReplacesAnExistingLocalFile) {
  Put("k", "new");
  std::string local = scratch_.Path("existing.txt");
  WriteFile(local, "old content that is longer");
  ASSERT_TRUE(store_->GetFile("k", local).ok());
  EXPECT_EQ(ReadFile(local), "new");
}

TEST_P(ObjectStoreContractTest, GetCreatesMissingLocalDirectories) {
  Put("k", "v");
  std::string local = scratch_.Path("deep/er/file");
  ASSERT_TRUE(store_->GetFile("k", local).ok());
  EXPECT_EQ(ReadFile(local), "v");
}

TEST_P(ObjectStoreContractTest, ListIsRecursiveSortedAndFiltersByStringPrefix) {
  Put("b/2", "22");
  Put("a/1", "1");
  Put("a/sub/deep/3", "333");
  Put("ab", "x");
  Put("c", "");
  EXPECT_EQ(ListKeys(""), (std::vector<std::string>{"a/1", "a/sub/deep/3", "ab", "b/2", "c"}));
  EXPECT_EQ(ListKeys("a/"), (std::vector<std::string>{"a/1", "a/sub/deep/3"}));
  EXPECT_EQ(ListKeys("a"), (std::vector<std::string>{"a/1", "a/sub/deep/3", "ab"}));
  EXPECT_EQ(ListKeys("a/s"), (std::vector<std::string>{"a/sub/deep/3"}));
  EXPECT_EQ(ListKeys("a/sub/deep/3"), (std::vector<std::string>{"a/sub/deep/3"}));
  EXPECT_TRUE(ListKeys("nothing/here/").empty());
  EXPECT_TRUE(ListKeys("zz").empty());
}

TEST_P(ObjectStoreContractTest, ListReportsSizes) {
  Put("x/one", "1");
  Put("x/three", "333");
  Result<std::vector<ObjectInfo>> listed = store_->List("x/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "x/one");
  EXPECT_EQ((*listed)[0].size, 1);
  EXPECT_EQ((*listed)[1].size, 3);
  EXPECT_GT((*listed)[1].mtime_ms, 0);
}

TEST_P(ObjectStoreContractTest, EmptyStoreListsNothing) { EXPECT_TRUE(ListKeys("").empty()); }

TEST_P(ObjectStoreContractTest, DeleteRemovesOnlyThatObjectAndIsIdempotent) {
  Put("d/1", "1");
  Put("d/2", "2");
  ASSERT_TRUE(store_->Delete("d/1").ok());
  EXPECT_EQ(ListKeys(""), std::vector<std::string>{"d/2"});
  EXPECT_TRUE(store_->Delete("d/1").ok());
  EXPECT_TRUE(store_->Delete("never/existed").ok());
  ASSERT_TRUE(store_->Delete("d/2").ok());
  EXPECT_TRUE(ListKeys("").empty());
}

TEST_P(ObjectStoreContractTest, CopyDuplicatesAnObjectAndLeavesTheSource) {
  std::string content = RandomBytes(300 * 1024 + 3, 7);
  Put("live/model.pt", content);
  Put("history/old", "to be replaced");
  ASSERT_TRUE(store_->Copy("live/model.pt", "history/old").ok());
  ASSERT_TRUE(store_->Copy("live/model.pt", "history/deep/new").ok());
  EXPECT_TRUE(Get("history/old") == content);
  EXPECT_TRUE(Get("history/deep/new") == content);
  EXPECT_TRUE(Get("live/model.pt") == content);
  Put("live/model.pt", "overwritten later");
  EXPECT_TRUE(Get("history/old") == content) << "a copy must not change with its source";
}

TEST_P(ObjectStoreContractTest, CopyOfAMissingObjectIsNotFoundAndWritesNothing) {
  Status status = store_->Copy("absent", "target");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(ListKeys("").empty());
  EXPECT_EQ(store_->Copy("../x", "y").error().code, ErrorCode::kInvalidArgument);
}

TEST_P(ObjectStoreContractTest, MissingObjectIsNotFound) {
  Put("present/x", "x");
  std::string local = scratch_.Path("never-written");
  Status get = store_->GetFile("absent", local);
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(local));
  Result<ObjectInfo> head = store_->Head("present/x/y");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Head("present").error().code, ErrorCode::kNotFound) << "a prefix is not an object";
  Result<bool> exists = store_->Exists("absent");
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
  EXPECT_TRUE(*store_->Exists("present/x"));
}

TEST_P(ObjectStoreContractTest, PutOfAMissingLocalFileIsNotFoundAndStoresNothing) {
  Status status = store_->PutFile("k", scratch_.Path("no-such-file"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(ListKeys("").empty());
}

TEST_P(ObjectStoreContractTest, KeysThatCouldEscapeTheRootAreRefused) {
  std::string local = scratch_.Path("payload");
  WriteFile(local, "evil");
  const std::string bad_keys[] = {"",      "../escape",  "a/../../escape", "/etc/passwd", "a//b",
                                  "./a",   "a/.",        "a/",             "..",          ".",
                                  std::string("a\0b", 3), std::string(1025, 'k')};
  for (const std::string& key : bad_keys) {
    Status put = store_->PutFile(key, local);
    ASSERT_FALSE(put.ok()) << "put of \"" << key << "\" was accepted";
    EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->GetFile(key, scratch_.Path("out")).error().code, ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->Head(key).error().code, ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->Delete(key).error().code, ErrorCode::kInvalidArgument) << key;
  }
  EXPECT_EQ(store_->List("../").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->List("/abs").error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(ListKeys("").empty());
  EXPECT_FALSE(std::filesystem::exists(scratch_.Path("escape")));
}

TEST_P(ObjectStoreContractTest, UriNamesTheRoot) { EXPECT_FALSE(store_->Uri().empty()); }

INSTANTIATE_TEST_SUITE_P(AllStores, ObjectStoreContractTest, ::testing::ValuesIn(kStoreFactories),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) { return info.param.name; });

}  // namespace
}  // namespace trainyard
