#include "agent/channel_download.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "agent/test_dir.h"
#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

Assignment OneChannel(const std::string& uri, const std::string& distribution = "FullyReplicated") {
  Assignment a;
  a.host = "algo-1";
  a.hosts = {"algo-1"};
  a.request = {{"AlgorithmSpecification", {{"TrainingInputMode", "File"}}},
               {"InputDataConfig",
                {{{"ChannelName", "train"},
                  {"DataSource",
                   {{"S3DataSource", {{"S3Uri", uri}, {"S3DataDistributionType", distribution}}}}}}}}};
  return a;
}

// Opens file:// stores wrapped in a fault injector that fails every Get.
class FailingGetOpener : public ObjectStoreOpener {
 public:
  Result<std::unique_ptr<ObjectStore>> Open(const StorageUri& uri) override {
    inner_.push_back(std::make_unique<FileObjectStore>(uri.path));
    auto store = std::make_unique<FaultInjectingObjectStore>(*inner_.back());
    store->FailEveryCall(ObjectStoreOp::kGet);
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  Status ExtractArchive(const std::string&, const std::string&) override {
    return MakeError(ErrorCode::kInternal, "channels are never archives");
  }

 private:
  std::vector<std::unique_ptr<ObjectStore>> inner_;
};

class ChannelDownloadTest : public ::testing::Test {
 protected:
  TestDir dir_;
  InstanceLayout layout_ = *InstanceLayout::Make(dir_.path() / "instance");
  LocalObjectStoreOpener opener_;
  fs::path data_ = dir_.path() / "data";
  fs::path train_ = layout_.input_data_dir() / "train";
};

TEST_F(ChannelDownloadTest, ADirectoryChannelBringsEveryFileWithItsRelativePath) {
  WriteTestFile(data_ / "a.csv", "1,2");
  WriteTestFile(data_ / "sub" / "b.csv", "3,4");
  WriteTestFile(train_ / "stale.csv", "from an earlier attempt");
  Status status = DownloadChannels(OneChannel("file://" + data_.string()), layout_, opener_);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(ReadTestFile(train_ / "a.csv"), "1,2");
  EXPECT_EQ(ReadTestFile(train_ / "sub" / "b.csv"), "3,4");
  EXPECT_FALSE(fs::exists(train_ / "stale.csv"));
}

TEST_F(ChannelDownloadTest, AUriNamingOneFileBringsThatFile) {
  WriteTestFile(data_ / "only.csv", "x");
  WriteTestFile(data_ / "other.csv", "y");
  Status status = DownloadChannels(OneChannel("file://" + (data_ / "only.csv").string()), layout_,
                                   opener_);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(ReadTestFile(train_ / "only.csv"), "x");
  EXPECT_FALSE(fs::exists(train_ / "other.csv"));
}

TEST_F(ChannelDownloadTest, ShardedByS3KeyGivesEachHostEveryNthObject) {
  for (int i = 0; i < 5; ++i) WriteTestFile(data_ / ("part-" + std::to_string(i)), std::to_string(i));
  Assignment a = OneChannel("file://" + data_.string(), "ShardedByS3Key");
  a.hosts = {"algo-1", "algo-2"};
  a.host = "algo-2";
  ASSERT_TRUE(DownloadChannels(a, layout_, opener_).ok());
  std::vector<std::string> got;
  for (const auto& e : fs::directory_iterator(train_)) got.push_back(e.path().filename());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"part-1", "part-3"}));
}

TEST_F(ChannelDownloadTest, MissingDataIsAClientErrorNamingTheChannel) {
  Status status = DownloadChannels(OneChannel("file://" + (data_ / "nope").string()), layout_,
                                   opener_);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().message.find("channel 'train'"), std::string::npos);
  EXPECT_NE(status.error().message.find("/data/nope"), std::string::npos);
}

TEST_F(ChannelDownloadTest, UnservableChannelsAreClientErrors) {
  Assignment pipe = OneChannel("file://" + data_.string());
  pipe.request["InputDataConfig"][0]["InputMode"] = "Pipe";
  WriteTestFile(data_ / "a", "1");
  std::vector<Assignment> cases = {OneChannel("s3://bucket/x"), OneChannel("file://relative"),
                                   OneChannel("http://x/y"), pipe};
  for (const Assignment& a : cases) {
    Status status = DownloadChannels(a, layout_, opener_);
    ASSERT_FALSE(status.ok()) << a.request.dump();
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument) << status.error().ToString();
  }
}

TEST_F(ChannelDownloadTest, AStoreOutageIsNotBlamedOnTheUser) {
  WriteTestFile(data_ / "a.csv", "1");
  FailingGetOpener opener;
  Status status = DownloadChannels(OneChannel("file://" + data_.string()), layout_, opener);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable) << status.error().ToString();
}

}  // namespace
}  // namespace trainyard
