// `trainyard checkpoints list JOB_OR_URI` and
// `trainyard checkpoints get JOB_OR_URI [--at POINT|TIME] DIR`: the sync
// points of a checkpoint URI, and the checkpoint directory as it was at any
// retained one, read straight from the object store with the caller's own
// credentials (AWS_* variables, or --s3-endpoint-url). A job name is turned
// into its CheckpointConfig.S3Uri through the API.
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include "checkpoint/checkpoint_history.h"
#include "checkpoint/checkpoint_restore.h"
#include "cli/client_command.h"
#include "cli/progress_bar.h"
#include "cli/table.h"
#include "storage/open_object_store.h"

namespace trainyard::cli {
namespace {

namespace fs = std::filesystem;

struct CheckpointFlags {
  std::string target;  // job name or storage URI
  std::string dir;
  std::string at;
  std::string s3_endpoint_url;
  bool force = false;
};

// The checkpoint URI: the target itself when it is a URI (a plain absolute
// path means file://), else the job's CheckpointConfig.S3Uri.
Result<StorageUri> ResolveCheckpointUri(const ClientFlags& client_flags, const std::string& target) {
  if (target.find("://") != std::string::npos) return ParseStorageUri(target);
  if (!target.empty() && target.front() == '/') return ParseStorageUri("file://" + target);
  std::string uri;
  int code = WithClient(client_flags, [&](ApiClient& client) -> Status {
    TY_ASSIGN_OR_RETURN(Json job, client.Call("DescribeTrainingJob", {{"TrainingJobName", target}}));
    uri = GetString(job.value("CheckpointConfig", Json::object()), "S3Uri");
    if (uri.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "training job " + target + " has no CheckpointConfig.S3Uri");
    }
    return Ok();
  });
  if (code != 0) return MakeError(ErrorCode::kInvalidArgument, "cannot find the checkpoints of " + target);
  return ParseStorageUri(uri);
}

Result<std::unique_ptr<ObjectStore>> OpenCheckpointStore(const ClientFlags& client_flags,
                                                         const CheckpointFlags& flags) {
  TY_ASSIGN_OR_RETURN(StorageUri uri, ResolveCheckpointUri(client_flags, flags.target));
  S3Settings settings;
  if (!flags.s3_endpoint_url.empty()) settings.endpoint_url = flags.s3_endpoint_url;
  return OpenObjectStore(uri, S3OptionsFromEnvironment(ProcessEnvironment(), settings));
}

// --at: a sync point id ("1764279000123-algo-1"), a UTC time
// ("2026-11-27T21:05:00Z" or "2026-11-27 21:05:00", as `list` prints), or
// epoch seconds.
Result<PointSelector> ParseAt(const std::string& at) {
  if (at.empty()) return PointSelector::Newest();
  if (ParsePointId(at).ok()) return PointSelector::AtPoint(at);
  bool digits = !at.empty() && std::all_of(at.begin(), at.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (digits && at.size() <= 11) return PointSelector::AsOf(std::stoll(at) * 1000);
  std::tm tm{};
  for (const char* format : {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"}) {
    const char* end = strptime(at.c_str(), format, &tm);
    if (end != nullptr && *end == '\0') return PointSelector::AsOf(static_cast<EpochMs>(timegm(&tm)) * 1000);
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "--at takes a sync point id, a UTC time like 2026-11-27T21:05:00Z, or epoch seconds; got '" + at +
                       "'");
}

Status ListCheckpoints(ObjectStore& store, bool json) {
  TY_ASSIGN_OR_RETURN(SyncPointListing listing, ListSyncPoints(store));
  if (json) {
    Json out = {{"CheckpointUri", store.Uri()}, {"SyncPoints", Json::array()}};
    for (const SyncPoint& p : listing.points) {
      out["SyncPoints"].push_back({{"Id", p.id}, {"Time", static_cast<double>(p.time_ms) / 1000}, {"Host", p.host},
                                   {"TrainingJobName", p.job_name}, {"Files", p.files.size()},
                                   {"Bytes", p.TotalBytes()}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return Ok();
  }
  for (const UnreadableManifest& bad : listing.unreadable) {
    std::fprintf(stderr, "warning: sync point %s is unreadable: %s\n", bad.point_id.c_str(), bad.reason.c_str());
  }
  if (listing.points.empty()) {
    TY_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store.List(""));
    std::printf("%s has no sync points (%zu objects: a plain checkpoint; `get` restores all of it)\n",
                store.Uri().c_str(), objects.size());
    return Ok();
  }
  std::vector<std::vector<std::string>> rows;
  for (const SyncPoint& p : listing.points) {
    rows.push_back({p.id, FormatTime(static_cast<double>(p.time_ms) / 1000), p.host, p.job_name,
                    std::to_string(p.files.size()), FormatBytes(p.TotalBytes())});
  }
  std::printf("%s", RenderTable({"SYNC POINT", "TIME (UTC)", "HOST", "JOB", "FILES", "BYTES"}, rows).c_str());
  return Ok();
}

// DIR must be new or empty (a restore removes what is not part of the
// checkpoint), unless --force.
Status CheckTargetDirectory(const std::string& dir, bool force) {
  std::error_code ec;
  if (!fs::exists(dir, ec) || force) return Ok();
  if (!fs::is_directory(dir, ec)) return MakeError(ErrorCode::kInvalidArgument, dir + " is not a directory");
  if (!fs::is_empty(dir, ec)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     dir + " is not empty; files not in the checkpoint would be removed (use --force to allow it)");
  }
  return Ok();
}

Status GetCheckpoint(ObjectStore& store, const CheckpointFlags& flags) {
  TY_RETURN_IF_ERROR(CheckTargetDirectory(flags.dir, flags.force));
  TY_ASSIGN_OR_RETURN(PointSelector at, ParseAt(flags.at));
  ProgressBar bar(stderr, "downloading");
  RestoreOptions options;
  options.at = at;
  options.on_progress = [&bar](const RestoreProgress& p) {
    bar.Update(p.bytes_done, p.bytes_total, p.files_done, p.files_total);
  };
  TY_ASSIGN_OR_RETURN(RestoreSummary summary, RestoreCheckpoint(store, fs::absolute(flags.dir).string(), options));
  bar.Finish();
  for (const SkippedPoint& skipped : summary.skipped_points) {
    std::fprintf(stderr, "warning: sync point %s is not complete in the store (%s); used an older one\n",
                 skipped.point_id.c_str(), skipped.reason.c_str());
  }
  std::string points;
  for (const std::string& id : summary.point_ids) points += (points.empty() ? "" : ", ") + id;
  std::printf("%d files (%s) from %s%s into %s\n", summary.files, FormatBytes(summary.bytes).c_str(),
              store.Uri().c_str(), points.empty() ? "" : (" as of sync point " + points).c_str(), flags.dir.c_str());
  return Ok();
}

int Report(const Status& status) {
  if (status.ok()) return 0;
  std::fprintf(stderr, "trainyard checkpoints: %s\n", status.error().message.c_str());
  return status.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

void AddCheckpointsCommand(CLI::App& app, ClientFlags& client_flags, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("checkpoints", "List and fetch the sync points of a checkpoint URI");
  cmd->require_subcommand(1);
  auto flags = std::make_shared<CheckpointFlags>();
  auto add_common = [&](CLI::App& sub) {
    AddClientFlags(sub, client_flags);
    sub.add_option("target", flags->target, "Training job name, or checkpoint URI (s3://bucket/prefix, file:///dir)")
        ->required();
    sub.add_option("--s3-endpoint-url", flags->s3_endpoint_url,
                   "S3-compatible endpoint (default: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)");
  };
  CLI::App* list = cmd->add_subcommand("list", "Show the sync points, oldest first");
  add_common(*list);
  list->callback([&client_flags, flags, exit_code] {
    Result<std::unique_ptr<ObjectStore>> store = OpenCheckpointStore(client_flags, *flags);
    *exit_code = Report(store.ok() ? ListCheckpoints(**store, client_flags.json) : Status(store.error()));
  });
  CLI::App* get = cmd->add_subcommand("get", "Download the checkpoint directory as of a sync point (default: newest)");
  add_common(*get);
  get->add_option("dir", flags->dir, "Local directory to fill (new or empty)")->required();
  get->add_option("--at", flags->at, "Sync point id, UTC time (2026-11-27T21:05:00Z) or epoch seconds");
  get->add_flag("--force", flags->force, "Allow a non-empty DIR (files not in the checkpoint are removed)");
  get->callback([&client_flags, flags, exit_code] {
    Result<std::unique_ptr<ObjectStore>> store = OpenCheckpointStore(client_flags, *flags);
    *exit_code = Report(store.ok() ? GetCheckpoint(**store, *flags) : Status(store.error()));
  });
}

}  // namespace trainyard::cli
