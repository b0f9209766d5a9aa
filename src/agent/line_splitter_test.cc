#include "agent/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trainyard {
namespace {

struct Collector {
  std::vector<std::string> lines;
  LineSplitter splitter{[this](std::string line) { lines.push_back(std::move(line)); }};
};

TEST(LineSplitterTest, SplitsAcrossChunksAndDropsCarriageReturns) {
  Collector c;
  c.splitter.Feed("hel");
  c.splitter.Feed("lo\r\nwor");
  c.splitter.Feed("ld\n\nlast");
  EXPECT_EQ(c.lines, (std::vector<std::string>{"hello", "world", ""}));
  c.splitter.Finish();
  EXPECT_EQ(c.lines.back(), "last");
}

TEST(LineSplitterTest, LongLinesAreCutMarkedAndTheRestDiscarded) {
  Collector c;
  std::string long_line(3 * kMaxLogLineBytes, 'x');
  c.splitter.Feed(long_line.substr(0, 1000));
  c.splitter.Feed(long_line.substr(1000));
  ASSERT_EQ(c.lines.size(), 1u);  // emitted as soon as it is too long
  EXPECT_LE(c.lines[0].size(), kMaxLogLineBytes);
  EXPECT_TRUE(c.lines[0].ends_with(kLineCutMarker));
  c.splitter.Feed("tail of the long line\nnext\n");
  EXPECT_EQ(c.lines, (std::vector<std::string>{c.lines[0], "next"}));
}

TEST(LineSplitterTest, ALineOfExactlyTheLimitIsKept) {
  Collector c;
  std::string line(kMaxLogLineBytes, 'y');
  c.splitter.Feed(line + "\n");
  EXPECT_EQ(c.lines, std::vector<std::string>{line});
}

TEST(LineSplitterTest, CutNeverSplitsAUtf8Character) {
  Collector c;
  std::string line;
  while (line.size() < 2 * kMaxLogLineBytes) line += "\xE2\x82\xAC";  // €
  c.splitter.Feed(line + "\n");
  ASSERT_EQ(c.lines.size(), 1u);
  std::string kept = c.lines[0].substr(0, c.lines[0].size() - kLineCutMarker.size());
  EXPECT_EQ(kept.size() % 3, 0u);
}

}  // namespace
}  // namespace trainyard
