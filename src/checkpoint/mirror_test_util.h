// Helpers for the checkpoint mirror's tests:
//   LoopWatcher     wraps a DirectoryWatcher and counts the mirror's control
//                   loop coming back to wait, so tests wait for conditions
//                   with a deadline instead of sleeping
//   GatedStore      wraps an ObjectStore, records every call in order (and
//                   what each put uploaded), and can hold puts until released
//   ExpectEveryPointRestorable  the restore invariant, checked by reading a
//                   FileObjectStore's root directly
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "checkpoint/directory_watcher.h"
#include "checkpoint/sync_point.h"
#include "common/crypto.h"
#include "common/json.h"
#include "storage/object_store.h"
#include "storage/storage_test_util.h"

namespace trainyard::mirror_testing {

using storage_testing::ReadFile;

constexpr std::chrono::seconds kTestDeadline{20};

class LoopWatcher : public DirectoryWatcher {
 public:
  explicit LoopWatcher(DirectoryWatcher& inner) : inner_(inner) {}

  Result<std::vector<WatchEvent>> Wait(int64_t timeout_ms) override {
    {
      std::lock_guard lock(mu_);
      ++waits_;
    }
    cv_.notify_all();
    return inner_.Wait(timeout_ms);
  }
  void Wake() override { inner_.Wake(); }

  // True once `condition` holds, checked now and each time the control loop
  // comes back to wait (every change of the mirror's state is followed by
  // that); false if it still does not hold at the deadline.
  bool WaitUntil(const std::function<bool()>& condition,
                 std::chrono::milliseconds timeout = kTestDeadline) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int64_t seen;
      {
        std::lock_guard lock(mu_);
        seen = waits_;
      }
      if (condition()) return true;
      std::unique_lock lock(mu_);
      if (!cv_.wait_until(lock, deadline, [&] { return waits_ != seen; })) {
        lock.unlock();
        return condition();
      }
    }
  }

 private:
  DirectoryWatcher& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t waits_ = 0;
};

class GatedStore : public ObjectStore {
 public:
  explicit GatedStore(ObjectStore& inner) : inner_(inner) {}

  // While held, PutFile calls block (before reaching the inner store).
  void HoldPuts() {
    std::lock_guard lock(mu_);
    hold_ = true;
  }
  void ReleasePuts() {
    std::lock_guard lock(mu_);
    hold_ = false;
    cv_.notify_all();
  }
  // True once `count` puts are blocked at once.
  bool AwaitHeldPuts(int count) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kTestDeadline, [&] { return held_ >= count; });
  }
  int MaxHeldPuts() const {
    std::lock_guard lock(mu_);
    return max_held_;
  }
  // "put k", "copy a b", "delete k", "head k", "list p", "get k", in order.
  std::vector<std::string> Calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  // The content each put of `key` sent to the inner store, in order.
  std::vector<std::string> PutContents(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = put_contents_.find(key);
    return it == put_contents_.end() ? std::vector<std::string>{} : it->second;
  }

  std::string Uri() const override { return inner_.Uri(); }
  Status PutFile(std::string_view key, const std::string& local_path) override {
    {
      std::unique_lock lock(mu_);
      ++held_;
      max_held_ = std::max(max_held_, held_);
      cv_.notify_all();
      cv_.wait(lock, [&] { return !hold_; });
      --held_;
      calls_.push_back("put " + std::string(key));
      put_contents_[std::string(key)].push_back(ReadFile(local_path));  // what the inner store will read
    }
    return inner_.PutFile(key, local_path);
  }
  Status GetFile(std::string_view key, const std::string& local_path) override {
    Record("get " + std::string(key));
    return inner_.GetFile(key, local_path);
  }
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    Record("list " + std::string(prefix));
    return inner_.List(prefix);
  }
  Status Copy(std::string_view from_key, std::string_view to_key) override {
    Record("copy " + std::string(from_key) + " " + std::string(to_key));
    return inner_.Copy(from_key, to_key);
  }
  Status Delete(std::string_view key) override {
    Record("delete " + std::string(key));
    return inner_.Delete(key);
  }
  Result<ObjectInfo> Head(std::string_view key) override {
    Record("head " + std::string(key));
    return inner_.Head(key);
  }

 private:
  void Record(std::string call) {
    std::lock_guard lock(mu_);
    calls_.push_back(std::move(call));
  }

  ObjectStore& inner_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  int held_ = 0;
  int max_held_ = 0;
  std::vector<std::string> calls_;
  std::map<std::string, std::vector<std::string>> put_contents_;
};

// Every regular file under `root`, by relative path, with its content;
// paths under ".trainyard" are left out.
inline std::map<std::string, std::string> FilesUnder(const std::string& root) {
  // Tolerates files that vanish meanwhile (the mirror may be deleting).
  std::map<std::string, std::string> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code status_ec;
    if (!std::filesystem::is_regular_file(it->symlink_status(status_ec))) continue;
    std::string relative = it->path().lexically_relative(root).string();
    if (IsCheckpointControlKey(relative)) continue;
    files[relative] = ReadFile(it->path().string());
  }
  return files;
}

// The manifests under a FileObjectStore root, oldest first.
inline std::vector<SyncPoint> PointsUnder(const std::string& store_root) {
  std::vector<SyncPoint> points;
  const std::string dir = store_root + "/" + std::string(kPointsPrefix);
  std::error_code ec;
  std::vector<std::string> keys;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    keys.push_back(std::string(kPointsPrefix) + entry.path().filename().string());
  }
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    if (!PointIdFromManifestKey(key)) continue;
    Result<Json> json = ParseJson(ReadFile(store_root + "/" + key));
    EXPECT_TRUE(json.ok()) << key;
    if (!json.ok()) continue;
    Result<SyncPoint> point = SyncPointFromJson(*json);
    EXPECT_TRUE(point.ok()) << key;
    if (point.ok()) points.push_back(*point);
  }
  return points;
}

// The restore invariant: each manifest's files are at their live key or at
// their history key with the listed size and SHA-256.
inline void ExpectEveryPointRestorable(const std::string& store_root) {
  for (const SyncPoint& point : PointsUnder(store_root)) {
    for (const ManifestFile& file : point.files) {
      auto holds = [&](const std::string& key) {
        const std::string path = store_root + "/" + key;
        if (!std::filesystem::is_regular_file(path)) return false;
        std::string content = ReadFile(path);
        return static_cast<int64_t>(content.size()) == file.size && Sha256Hex(content) == file.sha256;
      };
      EXPECT_TRUE(holds(file.path) || holds(HistoryKey(file.sha256)))
          << "point " << point.id << " lists " << file.path << " (" << file.sha256
          << "), found neither at its live key nor in history";
    }
  }
}

}  // namespace trainyard::mirror_testing
