// LogBuffer: the agent's bounded store of training output lines until the
// server has acknowledged them.
//
// Lines get sequence numbers from 1, in the order they are appended. Take()
// returns the oldest unacknowledged lines without removing them, so a report
// that is lost is simply resent with the same seq numbers; Ack(seq) releases
// every line up to seq once the server says it stored them.
//
// Memory is capped at `max_bytes` (text plus a fixed per-line overhead). When a
// line does not fit, it is dropped and counted, never blocking the writer (the
// training process must not stall on its own output). Once space returns, one
// "[trainyard: N lines dropped]" line on the "agent" stream records the gap,
// so the dropped count also survives in the stored log.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "model/agent_protocol.h"

namespace trainyard {

// Where output lines go. LogBuffer is the usual implementation; a tee or a test
// recorder may stand in.
class LineSink {
 public:
  virtual ~LineSink() = default;
  // `stream` is "stdout", "stderr" or "agent"; `text` has no trailing newline
  // and is at most kMaxLogLineBytes long.
  virtual void Append(std::string_view stream, std::string text) = 0;
};

struct LogBufferOptions {
  size_t max_bytes = 8 << 20;  // text bytes plus kLineOverheadBytes per line
};

class LogBuffer : public LineSink {
 public:
  // Bytes charged per line on top of its text, so that floods of empty lines
  // are bounded too.
  static constexpr size_t kLineOverheadBytes = 64;

  // `clock` stamps each line (time_ms) and must outlive the buffer.
  explicit LogBuffer(const Clock& clock, LogBufferOptions options = {});

  // Stores the line with the next seq number, or drops and counts it when the
  // buffer is full.
  void Append(std::string_view stream, std::string text) override;

  struct Batch {
    std::vector<LogLine> lines;  // oldest unacknowledged lines, in seq order
    int64_t dropped_lines = 0;   // lines dropped since the previous Take()
  };
  // Up to `max_lines` of the oldest unacknowledged lines (copies; they stay
  // buffered until acknowledged) and the drop count since the last Take().
  Batch Take(size_t max_lines);

  // Releases every line with seq <= `seq`. Acks for lines already released or
  // never issued are harmless.
  void Ack(int64_t seq);

  size_t buffered_bytes() const;
  size_t buffered_lines() const;
  int64_t total_dropped() const;   // over the buffer's life
  int64_t last_seq() const;        // seq of the newest stored line, 0 if none
  int64_t last_acked() const;      // highest seq acknowledged (at most last_seq())

 private:
  static size_t Cost(const LogLine& line);
  void PushLocked(std::string_view stream, std::string text);
  void MaybeRecordDropsLocked();

  const Clock& clock_;
  const LogBufferOptions options_;
  mutable std::mutex mu_;
  std::deque<LogLine> lines_;
  size_t bytes_ = 0;
  int64_t next_seq_ = 1;
  int64_t acked_ = 0;
  int64_t unrecorded_drops_ = 0;  // drops not yet noted by an agent line
  int64_t unreported_drops_ = 0;  // drops not yet returned by Take()
  int64_t total_dropped_ = 0;
};

}  // namespace trainyard
