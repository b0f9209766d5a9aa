// Helpers for the checkpoint tests: points and manifests made from literal
// contents, and SimulatedMirror, which writes into a store the way the
// checkpoint mirror does (live keys, history copies before overwrites,
// manifests last), so tests can stop it anywhere to play a crash.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/sync_point.h"
#include "common/crypto.h"
#include "common/json.h"
#include "storage/object_store.h"
#include "storage/storage_test_util.h"

namespace trainyard::checkpoint_testing {

using storage_testing::ReadFile;
using storage_testing::TempDir;
using storage_testing::WriteFile;

inline ManifestFile FileOf(const std::string& path, const std::string& content) {
  return {path, static_cast<int64_t>(content.size()), Sha256Hex(content)};
}

// A point of `host` at `time_ms` listing `files` (path -> content).
inline SyncPoint MakePoint(EpochMs time_ms, const std::string& host,
                           const std::map<std::string, std::string>& files) {
  SyncPoint point;
  point.time_ms = time_ms;
  point.host = host;
  point.id = SyncPointId(time_ms, host);
  point.job_name = "job";
  for (const auto& [path, content] : files) point.files.push_back(FileOf(path, content));
  return point;
}

// Stores `content` under `key`, through a file in `scratch`.
inline void PutObject(ObjectStore& store, const TempDir& scratch, const std::string& key,
                      const std::string& content) {
  const std::string local = scratch.Path("put-object");
  WriteFile(local, content);
  Status status = store.PutFile(key, local);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
}

// The object's content, or "<missing>".
inline std::string GetObject(ObjectStore& store, const TempDir& scratch, const std::string& key) {
  const std::string local = scratch.Path("get-object");
  std::filesystem::remove(local);
  if (!store.GetFile(key, local).ok()) return "<missing>";
  return ReadFile(local);
}

inline void WriteManifest(ObjectStore& store, const TempDir& scratch, const SyncPoint& point) {
  PutObject(store, scratch, ManifestKey(point.id), DumpJson(ToJson(point)));
}

// One writer (host) mirroring a directory into `store` with the protocol
// the restore relies on: before a live key is overwritten or deleted, its
// current content is copied to HistoryKey(sha256 of that content); a
// manifest is written only after every file it lists is uploaded.
class SimulatedMirror {
 public:
  SimulatedMirror(ObjectStore& store, std::string host) : store_(store), host_(std::move(host)) {}

  // Uploads one file to its live key (history copy first).
  void Upload(const std::string& path, const std::string& content) {
    SaveLiveToHistory(path);
    PutObject(store_, scratch_, path, content);
    files_[path] = content;
  }

  // Deletes one live key (history copy first).
  void Remove(const std::string& path) {
    SaveLiveToHistory(path);
    Status status = store_.Delete(path);
    ASSERT_TRUE(status.ok()) << status.error().ToString();
    files_.erase(path);
  }

  // Writes the manifest of every file uploaded and not removed so far.
  SyncPoint Commit(EpochMs time_ms) {
    SyncPoint point = MakePoint(time_ms, host_, files_);
    WriteManifest(store_, scratch_, point);
    return point;
  }

  // Makes the directory hold exactly `files` and commits a point of it.
  SyncPoint Sync(EpochMs time_ms, const std::map<std::string, std::string>& files) {
    std::vector<std::string> gone;
    for (const auto& [path, content] : files_) {
      if (!files.contains(path)) gone.push_back(path);
    }
    for (const std::string& path : gone) Remove(path);
    for (const auto& [path, content] : files) {
      auto it = files_.find(path);
      if (it == files_.end() || it->second != content) Upload(path, content);
    }
    return Commit(time_ms);
  }

 private:
  void SaveLiveToHistory(const std::string& path) {
    std::string content = GetObject(store_, scratch_, path);
    if (content == "<missing>") return;
    Status status = store_.Copy(path, HistoryKey(Sha256Hex(content)));
    ASSERT_TRUE(status.ok()) << status.error().ToString();
  }

  ObjectStore& store_;
  std::string host_;
  TempDir scratch_;
  std::map<std::string, std::string> files_;  // what this writer last put at each live key
};

}  // namespace trainyard::checkpoint_testing
