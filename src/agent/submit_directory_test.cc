#include "agent/submit_directory.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "agent/test_dir.h"
#include "storage/tarball.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

Json Request(const std::string& submit, const std::string& program = "\"train.py\"") {
  return {{"HyperParameters",
           {{"sagemaker_program", program}, {"sagemaker_submit_directory", submit}}}};
}

class SubmitDirectoryTest : public ::testing::Test {
 protected:
  SubmitDirectoryTest() {
    WriteTestFile(src_ / "train.py", "print('hi')\n");
    WriteTestFile(src_ / "lib" / "util.py", "X = 1\n");
  }

  TestDir dir_;
  fs::path src_ = dir_.path() / "src";
  InstanceLayout layout_ = *InstanceLayout::Make(dir_.path() / "ml");
  LocalObjectStoreOpener opener_;
};

TEST_F(SubmitDirectoryTest, ALocalDirectoryIsCopiedIntoTheCodeDir) {
  WriteTestFile(layout_.code_dir() / "stale.py", "old");
  for (const std::string& submit : {"\"" + src_.string() + "\"", "\"file://" + src_.string() + "\"",
                                    src_.string()}) {
    Status status = StageSubmitDirectory(Request(submit), layout_, opener_);
    ASSERT_TRUE(status.ok()) << submit << ": " << status.error().ToString();
    EXPECT_EQ(ReadTestFile(layout_.code_dir() / "train.py"), "print('hi')\n");
    EXPECT_EQ(ReadTestFile(layout_.code_dir() / "lib" / "util.py"), "X = 1\n");
    EXPECT_FALSE(fs::exists(layout_.code_dir() / "stale.py"));
  }
}

TEST_F(SubmitDirectoryTest, AnArchiveIsExtracted) {
  fs::path archive = dir_.path() / "sourcedir.tar.gz";
  ASSERT_TRUE(WriteTarGz({{src_.string(), ""}}, archive.string()).ok());
  Status status = StageSubmitDirectory(Request("\"file://" + archive.string() + "\""), layout_,
                                       opener_);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(ReadTestFile(layout_.code_dir() / "lib" / "util.py"), "X = 1\n");
}

TEST_F(SubmitDirectoryTest, TheProgramIsMadeExecutable) {
  WriteTestFile(src_ / "native", "#!/bin/sh\n");
  fs::permissions(src_ / "native", fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(StageSubmitDirectory(Request(src_.string(), "native"), layout_, opener_).ok());
  EXPECT_EQ(::access((layout_.code_dir() / "native").c_str(), X_OK), 0);
}

TEST_F(SubmitDirectoryTest, MissingOrBrokenSubmitDirectoriesAreClientErrors) {
  WriteTestFile(dir_.path() / "bad.tar.gz", "not an archive");
  fs::create_directories(dir_.path() / "empty");
  for (const std::string& submit :
       {(dir_.path() / "missing").string(), (dir_.path() / "missing.tar.gz").string(),
        (dir_.path() / "bad.tar.gz").string(), (dir_.path() / "empty").string(),
        std::string("relative/dir"), std::string("s3://bucket/code.tar.gz")}) {
    Status status = StageSubmitDirectory(Request(submit), layout_, opener_);
    ASSERT_FALSE(status.ok()) << submit;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument) << status.error().ToString();
    EXPECT_NE(status.error().message.find("sagemaker_submit_directory"), std::string::npos);
  }
}

TEST_F(SubmitDirectoryTest, NoSubmitDirectoryLeavesTheCodeDirAlone) {
  WriteTestFile(layout_.code_dir() / "baked-in.py", "");
  ASSERT_TRUE(StageSubmitDirectory(Json::object(), layout_, opener_).ok());
  ASSERT_TRUE(StageSubmitDirectory({{"HyperParameters", {{"lr", "1"}}}}, layout_, opener_).ok());
  EXPECT_TRUE(fs::exists(layout_.code_dir() / "baked-in.py"));
}

}  // namespace
}  // namespace trainyard
