// The ObjectStore contract: every implementation runs these tests.
// To add an implementation, add a factory to kStoreFactories below; a
// factory that cannot run here (e.g. no S3 server) returns nullptr and its
// tests are skipped. The S3 factories use the servers of the CTest fixture
// "s3servers" (s3_test_servers_testing.h); run by hand without it, they skip.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"
#include "storage/object_store.h"
#include "storage/s3_object_store.h"
#include "storage/s3_test_servers_testing.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using storage_testing::FindS3TestServer;
using storage_testing::RandomBytes;
using storage_testing::ReadFile;
using storage_testing::RecordingSleeper;
using storage_testing::S3TestServer;
using storage_testing::TestS3Options;
using storage_testing::UniqueTestName;
using storage_testing::TempDir;
using storage_testing::WriteFile;

struct StoreFactory {
  std::string name;
  // Makes an empty store; `scratch` is a fresh directory it may use.
  std::function<std::unique_ptr<ObjectStore>(const std::string& scratch)> make;
};

// Names the parameter in test listings (instead of its bytes, which differ
// from build to build and would make CTest's test names unstable).
void PrintTo(const StoreFactory& factory, std::ostream* out) { *out << factory.name; }

// A FileObjectStore seen through a FaultInjectingObjectStore with no faults:
// the wrapper must be transparent.
class TransparentWrapper : public FaultInjectingObjectStore {
 public:
  explicit TransparentWrapper(std::unique_ptr<ObjectStore> inner)
      : FaultInjectingObjectStore(*inner), inner_(std::move(inner)) {}

 private:
  std::unique_ptr<ObjectStore> inner_;
};

// An S3ObjectStore that owns the sleeper it retries with (one that never
// waits: a retry against a local server need not).
std::unique_ptr<S3ObjectStore> MakeS3Store(const S3TestServer& server, const std::string& uri,
                                           bool list_without_slash = false) {
  Result<StorageUri> root = ParseStorageUri(uri);
  EXPECT_TRUE(root.ok()) << uri;
  if (!root.ok()) return nullptr;
  S3Options options = TestS3Options(server);
  options.list_without_slash = list_without_slash;
  Result<std::unique_ptr<S3ObjectStore>> store =
      S3ObjectStore::Create(*root, options, std::make_shared<RecordingSleeper>(), 1);
  EXPECT_TRUE(store.ok()) << store.error().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// s3rver: a fresh prefix per test in the fixture's bucket.
std::unique_ptr<ObjectStore> MakeS3rverStore(const std::string&) {
  std::optional<S3TestServer> server = FindS3TestServer("s3rver");
  if (!server) return nullptr;
  return MakeS3Store(*server, "s3://" + server->bucket + "/" + UniqueTestName());
}

// moto verifies SigV4 over the *decoded* query string, so it refuses a
// correctly signed ListObjectsV2 whose prefix contains '/' (sent as %2F; see
// environment.md): its store lists with S3Options::list_without_slash, the
// setting users of such servers have; s3rver covers prefixes with '/' on the
// wire. A fresh bucket per test, reached with keys whose signatures moto checks.
std::unique_ptr<ObjectStore> MakeMotoStore(const std::string&) {
  std::optional<S3TestServer> server = FindS3TestServer("moto");
  if (!server) return nullptr;
  std::unique_ptr<S3ObjectStore> store =
      MakeS3Store(*server, "s3://" + UniqueTestName() + "/root", /*list_without_slash=*/true);
  if (!store) return nullptr;
  Status created = store->CreateBucket();
  EXPECT_TRUE(created.ok()) << created.error().ToString();
  return store;
}

const StoreFactory kStoreFactories[] = {
    {"File", [](const std::string& scratch) -> std::unique_ptr<ObjectStore> {
       return std::make_unique<FileObjectStore>(scratch + "/store");
     }},
    {"FaultInjectingWithoutFaults", [](const std::string& scratch) -> std::unique_ptr<ObjectStore> {
       return std::make_unique<TransparentWrapper>(std::make_unique<FileObjectStore>(scratch + "/store"));
     }},
    {"S3rver", MakeS3rverStore},
    {"Moto", MakeMotoStore},
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

TEST_P(ObjectStoreContractTest, SixMegabyteObjectRoundTripsByteForByte) {
  std::string content = RandomBytes(6 * 1024 * 1024 + 3, 43);
  Put("mid/optimizer.pt", content);
  Result<ObjectInfo> info = store_->Head("mid/optimizer.pt");
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_EQ(info->size, static_cast<int64_t>(content.size()));
  EXPECT_TRUE(Get("mid/optimizer.pt") == content) << "downloaded bytes differ";
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
