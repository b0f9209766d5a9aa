// FakeDirectoryWatcher: a DirectoryWatcher whose events the test supplies.
//
// Wait returns the events pushed so far, or blocks until Push, Wake or its
// timeout (real time, so a test that drives a mirror with a FakeClock calls
// Wake after advancing the clock to make the mirror look at the time again).
// Thread safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "checkpoint/directory_watcher.h"

namespace trainyard {

class FakeDirectoryWatcher : public DirectoryWatcher {
 public:
  void Push(WatchEvent event) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
    cv_.notify_all();
  }
  void PushClosed(const std::string& path) { Push({WatchEventKind::kFileClosed, path, false}); }
  void PushFound(const std::string& path) { Push({WatchEventKind::kFileFound, path, false}); }
  void PushRemoved(const std::string& path, bool is_directory = false) {
    Push({WatchEventKind::kRemoved, path, is_directory});
  }
  void PushOverflow() { Push({WatchEventKind::kOverflow, "", false}); }

  // Fails the next Wait with `error` (once).
  void FailNextWait(Error error) {
    std::lock_guard lock(mu_);
    next_error_ = std::move(error);
    has_error_ = true;
    cv_.notify_all();
  }

  Result<std::vector<WatchEvent>> Wait(int64_t timeout_ms) override {
    std::unique_lock lock(mu_);
    auto ready = [&] { return woken_ || has_error_ || !events_.empty(); };
    if (timeout_ms < 0) {
      cv_.wait(lock, ready);
    } else {
      cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready);
    }
    woken_ = false;
    if (has_error_) {
      has_error_ = false;
      return next_error_;
    }
    std::vector<WatchEvent> events;
    events.swap(events_);
    return events;
  }

  void Wake() override {
    std::lock_guard lock(mu_);
    woken_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WatchEvent> events_;
  bool woken_ = false;
  bool has_error_ = false;
  Error next_error_;
};

}  // namespace trainyard
