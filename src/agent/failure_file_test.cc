#include "agent/failure_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "agent/test_dir.h"

namespace trainyard {
namespace {

void WriteFile(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

TEST(FailureFileTest, MissingFileIsEmpty) {
  TestDir dir;
  auto text = ReadFailureFile(dir.path() / "failure");
  ASSERT_TRUE(text.ok()) << text.error().ToString();
  EXPECT_EQ(*text, "");
}

TEST(FailureFileTest, ShortFileIsReadWhole) {
  TestDir dir;
  WriteFile(dir.path() / "failure", "out of memory\nat step 7");
  EXPECT_EQ(*ReadFailureFile(dir.path() / "failure"), "out of memory\nat step 7");
}

TEST(FailureFileTest, LongFileIsCutAt1024BytesWithoutSplittingACharacter) {
  TestDir dir;
  WriteFile(dir.path() / "failure", std::string(2000, 'x'));
  EXPECT_EQ(ReadFailureFile(dir.path() / "failure")->size(), 1024u);

  // 1023 ASCII bytes then a 2-byte character: the character does not fit.
  WriteFile(dir.path() / "failure", std::string(1023, 'x') + "\xC3\xA9" + "tail");
  EXPECT_EQ(*ReadFailureFile(dir.path() / "failure"), std::string(1023, 'x'));
}

TEST(FailureFileTest, SymlinksAndDirectoriesAreRefused) {
  TestDir dir;
  WriteFile(dir.path() / "secret", "do not leak");
  std::filesystem::create_symlink(dir.path() / "secret", dir.path() / "failure");
  EXPECT_FALSE(ReadFailureFile(dir.path() / "failure").ok());
  std::filesystem::create_directory(dir.path() / "adir");
  EXPECT_FALSE(ReadFailureFile(dir.path() / "adir").ok());
  ASSERT_EQ(::mkfifo((dir.path() / "fifo").c_str(), 0600), 0);
  EXPECT_FALSE(ReadFailureFile(dir.path() / "fifo").ok());  // and does not block
}

}  // namespace
}  // namespace trainyard
