#include "agent/log_buffer.h"

#include <algorithm>

namespace trainyard {
namespace {

std::string DropNote(int64_t n) {
  return "[trainyard: " + std::to_string(n) + (n == 1 ? " line" : " lines") + " dropped]";
}

}  // namespace

LogBuffer::LogBuffer(const Clock& clock, LogBufferOptions options)
    : clock_(clock), options_(options) {}

size_t LogBuffer::Cost(const LogLine& line) {
  return line.text.size() + line.stream.size() + kLineOverheadBytes;
}

void LogBuffer::PushLocked(std::string_view stream, std::string text) {
  LogLine line;
  line.seq = next_seq_++;
  line.time_ms = clock_.NowMs();
  line.stream = std::string(stream);
  line.text = std::move(text);
  bytes_ += Cost(line);
  lines_.push_back(std::move(line));
}

// Notes earlier drops as soon as the note fits, so the gap is visible in order.
void LogBuffer::MaybeRecordDropsLocked() {
  if (unrecorded_drops_ == 0) return;
  std::string note = DropNote(unrecorded_drops_);
  if (bytes_ + note.size() + 5 + kLineOverheadBytes > options_.max_bytes) return;
  unrecorded_drops_ = 0;
  PushLocked("agent", std::move(note));
}

void LogBuffer::Append(std::string_view stream, std::string text) {
  std::lock_guard lock(mu_);
  MaybeRecordDropsLocked();
  size_t cost = text.size() + stream.size() + kLineOverheadBytes;
  // Keep room for the drop note if lines are already being dropped.
  if (unrecorded_drops_ > 0 || bytes_ + cost > options_.max_bytes) {
    ++unrecorded_drops_;
    ++unreported_drops_;
    ++total_dropped_;
    return;
  }
  PushLocked(stream, std::move(text));
}

LogBuffer::Batch LogBuffer::Take(size_t max_lines) {
  std::lock_guard lock(mu_);
  Batch batch;
  size_t n = std::min(max_lines, lines_.size());
  batch.lines.assign(lines_.begin(), lines_.begin() + static_cast<std::ptrdiff_t>(n));
  batch.dropped_lines = unreported_drops_;
  unreported_drops_ = 0;
  return batch;
}

void LogBuffer::Ack(int64_t seq) {
  std::lock_guard lock(mu_);
  acked_ = std::max(acked_, std::min(seq, next_seq_ - 1));
  while (!lines_.empty() && lines_.front().seq <= seq) {
    bytes_ -= Cost(lines_.front());
    lines_.pop_front();
  }
  MaybeRecordDropsLocked();
}

size_t LogBuffer::buffered_bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

size_t LogBuffer::buffered_lines() const {
  std::lock_guard lock(mu_);
  return lines_.size();
}

int64_t LogBuffer::total_dropped() const {
  std::lock_guard lock(mu_);
  return total_dropped_;
}

int64_t LogBuffer::last_acked() const {
  std::lock_guard lock(mu_);
  return acked_;
}

int64_t LogBuffer::last_seq() const {
  std::lock_guard lock(mu_);
  return next_seq_ - 1;
}

}  // namespace trainyard
