#include "checkpoint/checkpoint_history.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/json.h"
#include "storage/local_fs.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

// A private directory under the system temp directory, removed with its
// content when this goes out of scope.
class ScratchDir {
 public:
  static Result<ScratchDir> Create() {
    std::error_code ec;
    fs::path base = fs::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string pattern = (base / "ty-manifests-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return ErrnoError(errno, "creating a temp directory in " + base.string());
    return ScratchDir(pattern);
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

Result<std::string> ReadLocalFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoError(errno, "reading " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// The manifest at `key`, parsed; nullopt when the object is gone. A manifest
// that does not parse, or names another point than its key, is `*unreadable`.
Result<std::optional<SyncPoint>> ReadManifest(ObjectStore& store, const std::string& key,
                                              const std::string& point_id, const std::string& local_path,
                                              std::string* unreadable) {
  Status got = store.GetFile(key, local_path);
  if (!got.ok()) {
    if (got.error().code == ErrorCode::kNotFound) return std::optional<SyncPoint>();
    return got.error();
  }
  TY_ASSIGN_OR_RETURN(std::string text, ReadLocalFile(local_path));
  Result<Json> json = ParseJson(text);
  Result<SyncPoint> point = json.ok() ? SyncPointFromJson(*json) : Result<SyncPoint>(json.error());
  if (!point.ok()) {
    *unreadable = point.error().message;
    return std::optional<SyncPoint>();
  }
  if (point->id != point_id) {
    *unreadable = "the manifest is of point \"" + point->id + "\", not of its key's";
    return std::optional<SyncPoint>();
  }
  return std::optional<SyncPoint>(std::move(point).value());
}

// Index just past the last point at or before the selected moment.
Result<size_t> HorizonOf(const std::vector<SyncPoint>& points, const PointSelector& selector) {
  switch (selector.kind) {
    case PointSelector::Kind::kNewest:
      return points.size();
    case PointSelector::Kind::kPointId: {
      auto it = std::lower_bound(points.begin(), points.end(), selector.point_id,
                                 [](const SyncPoint& p, const std::string& id) { return p.id < id; });
      if (it == points.end() || it->id != selector.point_id) {
        return MakeError(ErrorCode::kNotFound, "no sync point \"" + selector.point_id + "\"");
      }
      return static_cast<size_t>(it - points.begin()) + 1;
    }
    case PointSelector::Kind::kAsOfTime: {
      // Ids sort by time first, so the points at or before a time are a prefix.
      size_t horizon = 0;
      while (horizon < points.size() && points[horizon].time_ms <= selector.time_ms) ++horizon;
      return horizon;
    }
  }
  return MakeError(ErrorCode::kInternal, "unknown point selector");
}

}  // namespace

Result<SyncPointListing> ListSyncPoints(ObjectStore& store) {
  TY_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store.List(kPointsPrefix));
  TY_ASSIGN_OR_RETURN(ScratchDir scratch, ScratchDir::Create());
  SyncPointListing listing;
  const std::string local_path = scratch.path() + "/manifest.json";
  for (const ObjectInfo& object : objects) {
    std::optional<std::string> id = PointIdFromManifestKey(object.key);
    if (!id) continue;
    std::string unreadable;
    TY_ASSIGN_OR_RETURN(std::optional<SyncPoint> point, ReadManifest(store, object.key, *id, local_path, &unreadable));
    if (point) {
      listing.points.push_back(std::move(*point));
    } else if (!unreadable.empty()) {
      listing.unreadable.push_back({*id, "manifest " + object.key + " skipped: " + unreadable});
    }
  }
  // Keys sort like ids (same prefix and suffix), but make the contract explicit.
  std::sort(listing.points.begin(), listing.points.end(),
            [](const SyncPoint& a, const SyncPoint& b) { return a.id < b.id; });
  return listing;
}

std::string PointSelector::ToString() const {
  switch (kind) {
    case Kind::kNewest: return "the newest sync point";
    case Kind::kPointId: return "sync point " + point_id;
    case Kind::kAsOfTime: return "time " + std::to_string(time_ms) + " (ms since the epoch)";
  }
  return "?";
}

std::vector<ManifestFile> CheckpointView::Manifest() const {
  std::vector<ManifestFile> manifest;
  manifest.reserve(files.size());
  for (const ViewFile& file : files) manifest.push_back(file.file);
  return manifest;
}

int64_t CheckpointView::TotalBytes() const {
  int64_t total = 0;
  for (const ViewFile& file : files) total += file.file.size;
  return total;
}

Result<CheckpointView> ViewCheckpoint(const std::vector<SyncPoint>& points, const PointSelector& selector) {
  TY_ASSIGN_OR_RETURN(size_t horizon, HorizonOf(points, selector));
  Result<CheckpointView> view = ViewBefore(points, horizon);
  if (!view.ok() && selector.kind == PointSelector::Kind::kNewest) {
    return MakeError(ErrorCode::kNotFound, "no sync points");
  }
  if (!view.ok()) return MakeError(ErrorCode::kNotFound, "no sync point at or before " + selector.ToString());
  return view;
}

Result<CheckpointView> ViewBefore(const std::vector<SyncPoint>& points, size_t horizon) {
  if (horizon == 0) return MakeError(ErrorCode::kNotFound, "no sync point before the first one");
  // Each writer's newest point below the horizon: walk backwards.
  std::map<std::string, size_t> newest_by_host;
  for (size_t i = horizon; i-- > 0;) newest_by_host.try_emplace(points[i].host, i);
  std::vector<size_t> chosen;
  for (const auto& [host, index] : newest_by_host) chosen.push_back(index);
  std::sort(chosen.begin(), chosen.end());  // oldest first, so newer points overwrite
  CheckpointView view;
  view.horizon = horizon;
  std::map<std::string, ViewFile> by_path;
  for (size_t index : chosen) {
    const SyncPoint& point = points[index];
    view.point_ids.push_back(point.id);
    for (const ManifestFile& file : point.files) by_path[file.path] = ViewFile{file, point.id};
  }
  for (auto& [path, file] : by_path) view.files.push_back(std::move(file));
  return view;
}

}  // namespace trainyard
