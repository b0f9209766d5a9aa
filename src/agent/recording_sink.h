// RecordingSink: a LineSink for tests that keeps every line and lets a test
// wait, with a deadline, for a line to appear. For tests only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "agent/log_buffer.h"

namespace trainyard {

class RecordingSink : public LineSink {
 public:
  struct Line {
    std::string stream;
    std::string text;
  };

  void Append(std::string_view stream, std::string text) override {
    std::lock_guard lock(mu_);
    lines_.push_back({std::string(stream), std::move(text)});
    cv_.notify_all();
  }

  std::vector<Line> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }

  // True once a line containing `needle` has arrived; false after `timeout`.
  bool WaitForText(const std::string& needle,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const Line& l : lines_) {
        if (l.text.find(needle) != std::string::npos) return true;
      }
      return false;
    });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Line> lines_;
};

}  // namespace trainyard
