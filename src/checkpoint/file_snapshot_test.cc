#include "checkpoint/file_snapshot.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/crypto.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using storage_testing::RandomBytes;
using storage_testing::ReadFile;
using storage_testing::TempDir;
using storage_testing::WriteFile;

TEST(FileSnapshotTest, CopiesTheWholeFileAndHashesIt) {
  TempDir dir;
  const std::string content = RandomBytes(3 * 1024 * 1024 + 17, 5);
  WriteFile(dir.Path("model.pt"), content);
  Result<FileSnapshot> snapshot = SnapshotFile(dir.Path("model.pt"), dir.Path("snap"));
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().ToString();
  EXPECT_TRUE(snapshot->stable);
  EXPECT_EQ(snapshot->size, static_cast<int64_t>(content.size()));
  EXPECT_EQ(snapshot->sha256, Sha256Hex(content));
  EXPECT_EQ(snapshot->identity, *StatFileIdentity(dir.Path("model.pt")));
  EXPECT_EQ(ReadFile(dir.Path("snap")), content);
}

TEST(FileSnapshotTest, MissingSymlinkAndFifoSourcesAreRefusedAndLeaveNoSnapshot) {
  TempDir dir;
  Result<FileSnapshot> missing = SnapshotFile(dir.Path("none"), dir.Path("snap"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  WriteFile(dir.Path("target"), "x");
  ASSERT_EQ(symlink(dir.Path("target").c_str(), dir.Path("link").c_str()), 0);
  Result<FileSnapshot> link = SnapshotFile(dir.Path("link"), dir.Path("snap"));
  ASSERT_FALSE(link.ok());
  EXPECT_EQ(link.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(mkfifo(dir.Path("fifo").c_str(), 0600), 0);
  Result<FileSnapshot> fifo = SnapshotFile(dir.Path("fifo"), dir.Path("snap"));  // must not block
  ASSERT_FALSE(fifo.ok());
  EXPECT_EQ(fifo.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.Path("snap")));
}

TEST(FileSnapshotTest, BeneathARootNoSymlinkOnTheWayIsFollowed) {
  TempDir root;
  TempDir outside;
  WriteFile(root.Path("step/model.pt"), "inside");
  WriteFile(outside.Path("secret"), "outside");
  ASSERT_EQ(symlink(outside.path().c_str(), root.Path("escape").c_str()), 0);
  Result<FileSnapshot> inside = SnapshotFileBeneath(root.path(), "step/model.pt", root.Path("snap"));
  ASSERT_TRUE(inside.ok()) << inside.error().ToString();
  EXPECT_EQ(ReadFile(root.Path("snap")), "inside");
  Result<FileSnapshot> escaped = SnapshotFileBeneath(root.path(), "escape/secret", root.Path("snap2"));
  ASSERT_FALSE(escaped.ok());
  EXPECT_EQ(escaped.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(root.Path("snap2")));
}

TEST(FileSnapshotTest, TheSnapshotIsPrivateSoLaterRewritesDoNotReachIt) {
  TempDir dir;
  WriteFile(dir.Path("f"), "version one");
  Result<FileSnapshot> snapshot = SnapshotFile(dir.Path("f"), dir.Path("snap"));
  ASSERT_TRUE(snapshot.ok());
  WriteFile(dir.Path("f"), "v2");  // truncated and rewritten in place
  EXPECT_EQ(ReadFile(dir.Path("snap")), "version one");
  EXPECT_NE(*StatFileIdentity(dir.Path("f")), snapshot->identity);
}

TEST(FileSnapshotTest, AFileWrittenDuringTheCopyIsNotStable) {
  TempDir dir;
  WriteFile(dir.Path("growing"), RandomBytes(8 * 1024 * 1024, 1));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    int fd = open(dir.Path("growing").c_str(), O_WRONLY | O_APPEND);
    while (!stop.load()) (void)!write(fd, "more", 4);
    close(fd);
  });
  bool saw_unstable = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!saw_unstable && std::chrono::steady_clock::now() < deadline) {
    Result<FileSnapshot> snapshot = SnapshotFile(dir.Path("growing"), dir.Path("snap"));
    ASSERT_TRUE(snapshot.ok());
    saw_unstable = !snapshot->stable;
  }
  stop = true;
  writer.join();
  EXPECT_TRUE(saw_unstable);
}

}  // namespace
}  // namespace trainyard
