#include "checkpoint/checkpoint_restore.h"

#include <algorithm>
#include <map>
#include <set>

#include "checkpoint/restore_directory.h"
#include "checkpoint/verified_fetch.h"
#include "storage/local_fs.h"

namespace trainyard {
namespace {

// Counts what is downloaded and verified, and reports it through the
// caller's callback.
class ProgressMeter {
 public:
  explicit ProgressMeter(const std::function<void(const RestoreProgress&)>& report) : report_(report) {}
  void Start(int64_t bytes_total, int files_total) {
    progress_ = RestoreProgress{0, bytes_total, 0, files_total};
  }
  void Add(int64_t bytes, int files) {
    progress_.bytes_done += bytes;
    progress_.files_done += files;
  }
  void Report() const {
    if (report_) report_(progress_);
  }

 private:
  const std::function<void(const RestoreProgress&)>& report_;
  RestoreProgress progress_;
};

Error DiskFull(const Error& error, const std::string& local_dir, int64_t bytes_needed) {
  return MakeError(ErrorCode::kResourceExhausted,
                   "the local disk filled up while restoring into " + local_dir + ": the checkpoint needs " +
                       std::to_string(bytes_needed) + " bytes there (" + error.message + ")");
}

// OK if the key of a plain checkpoint can become a file below the directory.
Status CheckPlainKey(const std::string& key) {
  Status valid = ValidateObjectKey(key);
  if (valid.ok() && (IsPartialFileName(key) || key.find("/" + std::string(kPartialFilePrefix)) != std::string::npos)) {
    valid = MakeError(ErrorCode::kInvalidArgument, "names a temp file");
  }
  if (valid.ok()) return Ok();
  return MakeError(ErrorCode::kInvalidArgument, "refusing to restore \"" + key +
                                                    "\": it is not a safe relative path (" +
                                                    valid.error().message + ")");
}

// The restore of one URI into one directory, in either mode.
class Restorer {
 public:
  Restorer(ObjectStore& store, RestoreDirectory& dir, const RestoreOptions& options)
      : store_(store), dir_(dir), options_(options), meter_(options.on_progress) {}

  // Every non-control object, as SageMaker restores.
  Result<RestoreSummary> RestorePlain(const std::vector<ObjectInfo>& objects);
  // The selected state, verified, falling back past points that are not durable.
  Result<RestoreSummary> RestoreFromPoints(const SyncPointListing& listing, const std::vector<ObjectInfo>& objects);

 private:
  // Stages the content of every file of `view`; returns the files whose
  // content was found nowhere.
  Result<std::vector<ViewFile>> Gather(const CheckpointView& view);
  FetchTask TaskFor(const std::string& sha256, const std::vector<const ManifestFile*>& files) const;
  // Removes what does not belong and moves the staged files into place.
  Result<std::vector<RestoredFile>> Install(const std::vector<ManifestFile>& files);
  Error MapDiskFull(const Error& error, int64_t bytes_needed) const;

  ObjectStore& store_;
  RestoreDirectory& dir_;
  const RestoreOptions& options_;
  ProgressMeter meter_;
  std::map<std::string, int64_t> live_sizes_;               // live key -> listed size
  std::map<std::string, std::string> staged_;               // sha -> the key it came from (file name = sha)
  std::set<std::pair<std::string, std::string>> rejected_;  // (key, sha) that did not give sha
};

Error Restorer::MapDiskFull(const Error& error, int64_t bytes_needed) const {
  if (error.code != ErrorCode::kResourceExhausted) return error;
  return DiskFull(error, dir_.path(), bytes_needed);
}

Result<RestoreSummary> Restorer::RestorePlain(const std::vector<ObjectInfo>& objects) {
  std::vector<FetchTask> tasks;
  int64_t total = 0;
  for (const ObjectInfo& object : objects) {
    TY_RETURN_IF_ERROR(CheckPlainKey(object.key));
    tasks.push_back({{object.key}, dir_.StagingPath("plain-" + std::to_string(tasks.size())), -1, ""});
    total += object.size;
  }
  meter_.Start(total, static_cast<int>(tasks.size()));
  meter_.Report();
  FetchOptions fetch{options_.parallel_downloads, [&](size_t, const FetchOutcome& outcome) {
                       if (outcome.found) meter_.Add(outcome.digest.size, 1);
                       meter_.Report();
                     }};
  Result<std::vector<FetchOutcome>> outcomes = FetchVerified(store_, tasks, fetch);
  if (!outcomes.ok()) return MapDiskFull(outcomes.error(), total);
  std::vector<ManifestFile> files;
  std::map<std::string, std::string> staged_names;  // path -> staged file
  for (size_t i = 0; i < tasks.size(); ++i) {
    const FetchOutcome& outcome = (*outcomes)[i];
    if (!outcome.found) continue;  // deleted since the listing
    files.push_back({objects[i].key, outcome.digest.size, outcome.digest.sha256});
    staged_names[objects[i].key] = "plain-" + std::to_string(i);
  }
  std::set<std::string> keep;
  for (const ManifestFile& file : files) keep.insert(file.path);
  TY_RETURN_IF_ERROR(dir_.RemoveAllExcept(keep, options_.protected_paths));
  RestoreSummary summary;
  for (const ManifestFile& file : files) {
    Result<FileIdentity> identity = dir_.Install(staged_names[file.path], file.path, /*copy=*/false);
    if (!identity.ok()) return MapDiskFull(identity.error(), total);
    summary.restored.push_back({file, *identity, /*live_verified=*/true});
    summary.bytes += file.size;
  }
  summary.files = static_cast<int>(files.size());
  return summary;
}

FetchTask Restorer::TaskFor(const std::string& sha256, const std::vector<const ManifestFile*>& files) const {
  FetchTask task;
  task.local_path = dir_.StagingPath(sha256);
  task.size = files.front()->size;
  task.sha256 = sha256;
  for (const ManifestFile* file : files) {
    auto live = live_sizes_.find(file->path);
    if (live != live_sizes_.end() && live->second == file->size && !rejected_.contains({file->path, sha256})) {
      task.keys.push_back(file->path);
    }
  }
  // Always asked: a history copy may have been made after the listing.
  if (!rejected_.contains({HistoryKey(sha256), sha256})) task.keys.push_back(HistoryKey(sha256));
  return task;
}

Result<std::vector<ViewFile>> Restorer::Gather(const CheckpointView& view) {
  meter_.Start(view.TotalBytes(), static_cast<int>(view.files.size()));
  std::map<std::string, std::vector<const ManifestFile*>> needed;  // sha -> files still without content
  for (const ViewFile& entry : view.files) {
    if (staged_.contains(entry.file.sha256)) {
      meter_.Add(entry.file.size, 1);
    } else {
      needed[entry.file.sha256].push_back(&entry.file);
    }
  }
  meter_.Report();
  std::vector<FetchTask> tasks;
  std::vector<std::string> shas;
  for (const auto& [sha, files] : needed) {
    tasks.push_back(TaskFor(sha, files));
    shas.push_back(sha);
  }
  FetchOptions fetch{options_.parallel_downloads, [&](size_t i, const FetchOutcome& outcome) {
                       if (!outcome.found) return;
                       for (const ManifestFile* file : needed.at(shas[i])) meter_.Add(file->size, 1);
                       meter_.Report();
                     }};
  Result<std::vector<FetchOutcome>> outcomes = FetchVerified(store_, tasks, fetch);
  if (!outcomes.ok()) return MapDiskFull(outcomes.error(), view.TotalBytes());
  std::set<std::string> missing;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const FetchOutcome& outcome = (*outcomes)[i];
    for (size_t k = 0; k < outcome.rejected.size(); ++k) rejected_.insert({tasks[i].keys[k], shas[i]});
    if (outcome.found) {
      staged_[shas[i]] = outcome.key;
    } else {
      missing.insert(shas[i]);
    }
  }
  std::vector<ViewFile> broken;
  for (const ViewFile& entry : view.files) {
    if (missing.contains(entry.file.sha256)) broken.push_back(entry);
  }
  return broken;
}

// Why `point_id` is not durable: its files in `broken`.
std::string NotDurableReason(const std::string& point_id, const std::vector<ViewFile>& broken) {
  std::string reason = "not durable:";
  for (const ViewFile& entry : broken) {
    if (entry.point_id != point_id) continue;
    reason += " " + entry.file.path + " (sha256 " + entry.file.sha256.substr(0, 12) +
              "...) is neither at its live key nor in history;";
  }
  reason.pop_back();
  return reason;
}

// The view just before the newest point that `broken` comes from (which is
// not durable), noting in `skipped` that point and the newer points of `view`
// it rolls back. kFailedPrecondition, naming every skipped point, when no
// point is older.
Result<CheckpointView> RollBack(const std::vector<SyncPoint>& points, const CheckpointView& view,
                                const std::vector<ViewFile>& broken, const PointSelector& at,
                                std::vector<SkippedPoint>* skipped) {
  auto newest = std::max_element(broken.begin(), broken.end(),
                                 [](const ViewFile& a, const ViewFile& b) { return a.point_id < b.point_id; });
  const std::string bad_id = newest->point_id;
  skipped->push_back({bad_id, NotDurableReason(bad_id, broken)});
  for (const std::string& id : view.point_ids) {
    if (id > bad_id) skipped->push_back({id, "rolled back: newer than " + bad_id + ", which is not durable"});
  }
  auto bad = std::lower_bound(points.begin(), points.end(), bad_id,
                              [](const SyncPoint& p, const std::string& id) { return p.id < id; });
  Result<CheckpointView> older = ViewBefore(points, static_cast<size_t>(bad - points.begin()));
  if (older.ok()) return older;
  std::string message = "no durable checkpoint at or before " + at.ToString() + ":";
  for (const SkippedPoint& point : *skipped) message += " " + point.point_id + " " + point.reason + ";";
  message.pop_back();
  return MakeError(ErrorCode::kFailedPrecondition, message);
}

Result<RestoreSummary> Restorer::RestoreFromPoints(const SyncPointListing& listing,
                                                    const std::vector<ObjectInfo>& objects) {
  for (const ObjectInfo& object : objects) live_sizes_[object.key] = object.size;
  TY_ASSIGN_OR_RETURN(CheckpointView view, ViewCheckpoint(listing.points, options_.at));
  RestoreSummary summary;
  for (;;) {
    TY_ASSIGN_OR_RETURN(std::vector<ViewFile> broken, Gather(view));
    if (broken.empty()) break;
    TY_ASSIGN_OR_RETURN(view, RollBack(listing.points, view, broken, options_.at, &summary.skipped_points));
  }
  TY_ASSIGN_OR_RETURN(summary.restored, Install(view.Manifest()));
  summary.point_ids = view.point_ids;
  summary.files = static_cast<int>(view.files.size());
  summary.bytes = view.TotalBytes();
  std::sort(summary.skipped_points.begin(), summary.skipped_points.end(),
            [](const SkippedPoint& a, const SkippedPoint& b) { return a.point_id > b.point_id; });
  return summary;
}

Result<std::vector<RestoredFile>> Restorer::Install(const std::vector<ManifestFile>& files) {
  std::set<std::string> keep;
  std::map<std::string, int> uses;  // sha -> paths still to put it at
  int64_t total = 0;
  for (const ManifestFile& file : files) {
    keep.insert(file.path);
    ++uses[file.sha256];
    total += file.size;
  }
  TY_RETURN_IF_ERROR(dir_.RemoveAllExcept(keep, options_.protected_paths));
  std::vector<RestoredFile> restored;
  for (const ManifestFile& file : files) {
    Result<FileIdentity> identity = dir_.Install(file.sha256, file.path, /*copy=*/--uses[file.sha256] > 0);
    if (!identity.ok()) return MapDiskFull(identity.error(), total);
    restored.push_back({file, *identity, /*live_verified=*/staged_[file.sha256] == file.path});
  }
  return restored;
}

Result<RestoreSummary> Restore(ObjectStore& store, const std::string& local_dir, const RestoreOptions& options) {
  TY_ASSIGN_OR_RETURN(SyncPointListing listing, ListSyncPoints(store));
  TY_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store.List(""));
  std::erase_if(objects, [](const ObjectInfo& object) {
    bool folder_marker = object.key.ends_with('/') && object.size == 0;  // made by S3 consoles
    return IsCheckpointControlKey(object.key) || folder_marker;
  });
  if (listing.points.empty() && !listing.unreadable.empty()) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "there are sync point manifests, but none could be read: " + listing.unreadable.front().reason);
  }
  if (listing.points.empty() && options.at.kind != PointSelector::Kind::kNewest) {
    return MakeError(ErrorCode::kNotFound, "no sync points (the checkpoint was written without trainyard, so it "
                                           "has no history), so no " + options.at.ToString());
  }
  TY_ASSIGN_OR_RETURN(RestoreDirectory dir, RestoreDirectory::Open(local_dir));
  Restorer restorer(store, dir, options);
  Result<RestoreSummary> summary =
      listing.points.empty() ? restorer.RestorePlain(objects) : restorer.RestoreFromPoints(listing, objects);
  if (!summary.ok()) return summary;
  for (const UnreadableManifest& unreadable : listing.unreadable) summary->warnings.push_back(unreadable.reason);
  return summary;
}

}  // namespace

Result<RestoreSummary> RestoreCheckpoint(ObjectStore& store, const std::string& local_dir,
                                         const RestoreOptions& options) {
  Result<RestoreSummary> summary = Restore(store, local_dir, options);
  if (!summary.ok()) return summary.error().WithContext("restoring checkpoints from " + store.Uri());
  return summary;
}

}  // namespace trainyard
