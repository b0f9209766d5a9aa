// The inotify watcher against a real temporary directory. Every wait has a
// deadline; nothing sleeps.
#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>

#include "checkpoint/directory_watcher.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using storage_testing::TempDir;
using storage_testing::WriteFile;

constexpr auto kDeadline = std::chrono::seconds(10);

// An expected event; `or_found`: a file in a directory created just before
// may be closed before the watcher adds the directory's watch, and is then
// only found by the scan of the new directory.
struct Expected {
  WatchEvent event;
  bool or_found = false;
  bool Matches(const WatchEvent& seen) const {
    if (seen == event) return true;
    return or_found && seen.kind == WatchEventKind::kFileFound && seen.path == event.path;
  }
};

Expected Closed(const std::string& path) { return {{WatchEventKind::kFileClosed, path, false}}; }
Expected ClosedOrFound(const std::string& path) { return {{WatchEventKind::kFileClosed, path, false}, true}; }
Expected Removed(const std::string& path, bool dir = false) { return {{WatchEventKind::kRemoved, path, dir}}; }

class DirectoryWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DirectoryWatcherOptions options;
    options.excluded_dirs = {".trainyard"};
    Result<std::unique_ptr<DirectoryWatcher>> made = NewInotifyDirectoryWatcher(root_.path(), options);
    ASSERT_TRUE(made.ok()) << made.error().ToString();
    watcher_ = std::move(made).value();
  }

  // Collects events until `expected` has been seen (in this order, not
  // necessarily adjacent) or the deadline passes; returns everything seen.
  std::vector<WatchEvent> CollectUntil(const std::vector<Expected>& expected) {
    std::vector<WatchEvent> seen;
    size_t matched = 0;
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (matched < expected.size() && std::chrono::steady_clock::now() < deadline) {
      Result<std::vector<WatchEvent>> events = watcher_->Wait(100);
      EXPECT_TRUE(events.ok());
      if (!events.ok()) break;
      for (const WatchEvent& event : *events) {
        seen.push_back(event);
        if (matched < expected.size() && expected[matched].Matches(event)) ++matched;
      }
    }
    EXPECT_EQ(matched, expected.size()) << Describe(seen);
    return seen;
  }

  static std::string Describe(const std::vector<WatchEvent>& events) {
    std::string text = "seen " + std::to_string(events.size()) + ":";
    for (size_t i = 0; i < events.size() && i < 20; ++i) {
      text += " " + std::to_string(static_cast<int>(events[i].kind)) + ":" + events[i].path;
    }
    return text;
  }

  static bool Mentions(const std::vector<WatchEvent>& events, const std::string& path) {
    return std::any_of(events.begin(), events.end(), [&](const WatchEvent& e) { return e.path == path; });
  }

  std::string Path(const std::string& relative) const { return root_.Path(relative); }
  static void Rename(const std::string& from, const std::string& to) {
    ASSERT_EQ(rename(from.c_str(), to.c_str()), 0) << from << " -> " << to;
  }

  TempDir root_;
  TempDir outside_;  // same filesystem, outside the watched tree
  std::unique_ptr<DirectoryWatcher> watcher_;
};

TEST_F(DirectoryWatcherTest, AFileClosedAfterWritingIsComplete) {
  WriteFile(Path("model.pt"), "weights");
  CollectUntil({Closed("model.pt")});
}

TEST_F(DirectoryWatcherTest, AFileRenamedIntoPlaceIsCompleteAndItsOldNameRemoved) {
  WriteFile(outside_.Path("tmp"), "a");
  Rename(outside_.Path("tmp"), Path("moved-in.pt"));
  WriteFile(Path("step.tmp"), "b");
  Rename(Path("step.tmp"), Path("step.pt"));
  CollectUntil({Closed("moved-in.pt"), Closed("step.tmp"), Removed("step.tmp"), Closed("step.pt")});
}

TEST_F(DirectoryWatcherTest, DeletionsAreReported) {
  WriteFile(Path("a"), "1");
  WriteFile(Path("d/b"), "2");
  CollectUntil({Closed("a"), ClosedOrFound("d/b")});
  ASSERT_EQ(unlink(Path("a").c_str()), 0);
  std::filesystem::remove_all(Path("d"));
  CollectUntil({Removed("a"), Removed("d/b"), Removed("d", true)});
}

TEST_F(DirectoryWatcherTest, NewSubdirectoriesAreWatchedAtAnyDepth) {
  std::filesystem::create_directories(Path("x/y/z"));
  WriteFile(Path("x/y/z/f"), "deep");
  CollectUntil({ClosedOrFound("x/y/z/f")});
  WriteFile(Path("x/g"), "later");  // the watch is in place by now
  WriteFile(Path("x/y/z/h"), "later");
  CollectUntil({Closed("x/g"), Closed("x/y/z/h")});
}

TEST_F(DirectoryWatcherTest, FilesAlreadyInANewDirectoryAreFound) {
  // Both happen before the watcher reads the directory's creation, so the
  // file's close is lost and only the scan of the new directory sees it.
  std::filesystem::create_directories(Path("early"));
  WriteFile(Path("early/f"), "x");
  std::vector<WatchEvent> seen = CollectUntil({{{WatchEventKind::kFileFound, "early/f", false}}});
  EXPECT_EQ(seen.size(), 1u);
}

TEST_F(DirectoryWatcherTest, AFileOpenWhileItsDirectoryIsAddedIsReportedWhenClosed) {
  std::filesystem::create_directories(Path("new"));
  FILE* file = fopen(Path("new/slow.pt").c_str(), "w");
  ASSERT_NE(file, nullptr);
  fputs("part", file);
  fflush(file);
  // The creation of "new" is handled (and "slow.pt" possibly found) before
  // the writer finishes.
  std::filesystem::create_directories(Path("new/marker"));
  WriteFile(Path("new/marker/m"), "x");
  WriteFile(Path("sentinel"), "x");
  CollectUntil({Closed("sentinel")});
  fputs("rest", file);
  fclose(file);
  CollectUntil({Closed("new/slow.pt")});
}

TEST_F(DirectoryWatcherTest, ADirectoryMovedInReportsItsFilesAsCompleteAndIsWatched) {
  WriteFile(outside_.Path("step-5/model.pt"), "m");
  WriteFile(outside_.Path("step-5/sub/opt.pt"), "o");
  Rename(outside_.Path("step-5"), Path("step-5"));
  std::vector<WatchEvent> seen = CollectUntil({Closed("step-5/model.pt"), Closed("step-5/sub/opt.pt")});
  WriteFile(Path("step-5/sub/extra"), "e");
  CollectUntil({Closed("step-5/sub/extra")});
}

TEST_F(DirectoryWatcherTest, ADirectoryMovedOutIsRemovedAndNoLongerWatched) {
  WriteFile(Path("old/f"), "1");
  CollectUntil({ClosedOrFound("old/f")});
  Rename(Path("old"), outside_.Path("old"));
  WriteFile(outside_.Path("old/after-move"), "2");
  WriteFile(Path("sentinel"), "3");
  std::vector<WatchEvent> seen = CollectUntil({Removed("old", true), Closed("sentinel")});
  for (const WatchEvent& event : seen) EXPECT_EQ(event.path.find("after-move"), std::string::npos);
}

TEST_F(DirectoryWatcherTest, ADirectoryRenamedInsideTheTreeMovesItsWatch) {
  WriteFile(Path("a/f"), "1");
  CollectUntil({ClosedOrFound("a/f")});
  Rename(Path("a"), Path("b"));
  CollectUntil({Removed("a", true), Closed("b/f")});
  WriteFile(Path("b/g"), "2");
  std::vector<WatchEvent> seen = CollectUntil({Closed("b/g")});
  EXPECT_FALSE(Mentions(seen, "a/g"));
}

TEST_F(DirectoryWatcherTest, ExcludedDirectoriesAreNeitherWatchedNorReported) {
  WriteFile(Path(".trainyard/staging/snap"), "s");
  WriteFile(Path(".trainyard/x"), "s");
  WriteFile(Path("sentinel"), "x");
  std::vector<WatchEvent> seen = CollectUntil({Closed("sentinel")});
  for (const WatchEvent& event : seen) EXPECT_FALSE(event.path.starts_with(".trainyard")) << event.path;
}

TEST_F(DirectoryWatcherTest, WakeInterruptsAWaitWithoutLimit) {
  auto waiting = std::async(std::launch::async, [&] { return watcher_->Wait(-1); });
  watcher_->Wake();
  ASSERT_EQ(waiting.wait_for(kDeadline), std::future_status::ready);
  Result<std::vector<WatchEvent>> events = waiting.get();
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
}

TEST_F(DirectoryWatcherTest, AWaitWithZeroTimeoutReturnsAtOnce) {
  Result<std::vector<WatchEvent>> events = watcher_->Wait(0);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
}

TEST_F(DirectoryWatcherTest, AQueueOverflowIsReported) {
  // More events than the kernel queues (fs.inotify.max_queued_events,
  // 16384 by default) while nobody reads.
  std::filesystem::create_directories(Path("many"));
  WriteFile(Path("many/first"), "x");
  CollectUntil({ClosedOrFound("many/first")});  // "many" is watched now
  WriteFile(Path("many/second"), "x");
  CollectUntil({Closed("many/second")});
  for (int i = 0; i < 17'000; ++i) {
    const std::string path = Path("many/" + std::to_string(i));
    FILE* file = fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    fclose(file);
  }
  CollectUntil({{{WatchEventKind::kOverflow, "", false}}});
}

TEST(DirectoryWatcherSetupTest, AMissingRootIsNotFound) {
  Result<std::unique_ptr<DirectoryWatcher>> made = NewInotifyDirectoryWatcher("/nonexistent/ty-watch", {});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace trainyard
