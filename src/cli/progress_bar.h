// ProgressBar: one line on a terminal, redrawn in place, for long transfers:
//   [##########----------]  52%  128/256 files  1.0/2.0 GiB  85.3 MiB/s
// Draws nothing when the stream is not a terminal (logs and pipes stay clean)
// and at most every 100 ms. Thread-safe: Update may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace trainyard::cli {

// 1536 bytes as "1.5 KiB".
std::string FormatBytes(int64_t bytes);

class ProgressBar {
 public:
  // `out` is usually stderr; `label` prefixes the line ("restoring").
  ProgressBar(std::FILE* out, std::string label);
  ~ProgressBar();  // Finish()

  void Update(int64_t bytes_done, int64_t bytes_total, int64_t files_done, int64_t files_total);
  void Finish();   // draws the last state and ends the line

 private:
  void Draw(bool force);

  std::FILE* out_;
  const std::string label_;
  const bool enabled_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int64_t bytes_done_ = 0, bytes_total_ = 0, files_done_ = 0, files_total_ = 0;
  bool drawn_ = false, finished_ = false;
};

}  // namespace trainyard::cli
