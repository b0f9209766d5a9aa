#include "agent/log_buffer.h"

#include <gtest/gtest.h>

#include <thread>

namespace trainyard {
namespace {

TEST(LogBufferTest, LinesGetIncreasingSeqFromOneAndTheClockTime) {
  FakeClock clock(1000);
  LogBuffer buffer(clock);
  buffer.Append("stdout", "one");
  clock.AdvanceMs(5);
  buffer.Append("stderr", "two");
  auto batch = buffer.Take(10);
  ASSERT_EQ(batch.lines.size(), 2u);
  EXPECT_EQ(batch.lines[0].seq, 1);
  EXPECT_EQ(batch.lines[0].stream, "stdout");
  EXPECT_EQ(batch.lines[0].text, "one");
  EXPECT_EQ(batch.lines[0].time_ms, 1000);
  EXPECT_EQ(batch.lines[1].seq, 2);
  EXPECT_EQ(batch.lines[1].time_ms, 1005);
  EXPECT_EQ(batch.dropped_lines, 0);
}

TEST(LogBufferTest, UnackedLinesAreResentAndAckedOnesReleased) {
  FakeClock clock;
  LogBuffer buffer(clock);
  for (int i = 0; i < 5; ++i) buffer.Append("stdout", "line " + std::to_string(i));
  EXPECT_EQ(buffer.Take(2).lines.back().seq, 2);
  EXPECT_EQ(buffer.Take(2).lines.front().seq, 1);  // not acked: sent again
  buffer.Ack(2);
  auto batch = buffer.Take(10);
  ASSERT_EQ(batch.lines.size(), 3u);
  EXPECT_EQ(batch.lines.front().seq, 3);
  EXPECT_EQ(buffer.last_acked(), 2);
  buffer.Ack(1);   // stale ack: harmless
  EXPECT_EQ(buffer.last_acked(), 2);
  buffer.Ack(99);  // beyond the newest: releases everything
  EXPECT_EQ(buffer.last_acked(), 5);
  EXPECT_EQ(buffer.buffered_lines(), 0u);
  EXPECT_EQ(buffer.buffered_bytes(), 0u);
  buffer.Append("stdout", "next");
  EXPECT_EQ(buffer.Take(1).lines.front().seq, 6);
}

TEST(LogBufferTest, WhenFullNewLinesAreDroppedCountedAndNotedOnceSpaceReturns) {
  FakeClock clock;
  const size_t line_cost = 10 + 6 + LogBuffer::kLineOverheadBytes;  // "0123456789" on stdout
  LogBuffer buffer(clock, LogBufferOptions{.max_bytes = 3 * line_cost});
  for (int i = 0; i < 10; ++i) buffer.Append("stdout", "0123456789");
  EXPECT_EQ(buffer.buffered_lines(), 3u);
  EXPECT_LE(buffer.buffered_bytes(), 3 * line_cost);
  EXPECT_EQ(buffer.total_dropped(), 7);

  auto batch = buffer.Take(10);
  EXPECT_EQ(batch.dropped_lines, 7);
  EXPECT_EQ(buffer.Take(10).dropped_lines, 0);  // reported once

  buffer.Ack(batch.lines.back().seq);  // space returns: the gap is noted first
  buffer.Append("stdout", "after");
  batch = buffer.Take(10);
  ASSERT_EQ(batch.lines.size(), 2u);
  EXPECT_EQ(batch.lines[0].stream, "agent");
  EXPECT_EQ(batch.lines[0].text, "[trainyard: 7 lines dropped]");
  EXPECT_EQ(batch.lines[0].seq, 4);
  EXPECT_EQ(batch.lines[1].text, "after");
  EXPECT_EQ(batch.lines[1].seq, 5);
}

TEST(LogBufferTest, ConcurrentWritersLoseNothingThatFits) {
  FakeClock clock;
  LogBuffer buffer(clock);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) buffer.Append("stdout", "x");
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(buffer.buffered_lines(), 4000u);
  EXPECT_EQ(buffer.last_seq(), 4000);
  auto batch = buffer.Take(5000);
  for (size_t i = 0; i < batch.lines.size(); ++i) {
    ASSERT_EQ(batch.lines[i].seq, static_cast<int64_t>(i + 1));
  }
}

}  // namespace
}  // namespace trainyard
