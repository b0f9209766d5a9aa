#include "checkpoint/sync_point.h"

#include <algorithm>
#include <cstdio>

#include "storage/object_store.h"

namespace trainyard {
namespace {

constexpr std::string_view kManifestSuffix = ".json";
constexpr int kFormatVersion = 1;

Error BadManifest(const std::string& why) {
  return MakeError(ErrorCode::kSerialization, "checkpoint manifest: " + why);
}

Result<ManifestFile> FileFromJson(const Json& entry) {
  if (!entry.is_object()) return BadManifest("a file entry is not an object");
  const Json* path = entry.contains("path") ? &entry["path"] : nullptr;
  const Json* size = entry.contains("size") ? &entry["size"] : nullptr;
  const Json* sha = entry.contains("sha256") ? &entry["sha256"] : nullptr;
  if (!path || !path->is_string() || !size || !size->is_number_integer() || !sha || !sha->is_string()) {
    return BadManifest("a file entry needs string path, integer size and string sha256");
  }
  ManifestFile file{path->get<std::string>(), size->get<int64_t>(), sha->get<std::string>()};
  if (!ValidateObjectKey(file.path).ok() || IsCheckpointControlKey(file.path)) {
    return BadManifest("unsafe file path \"" + file.path + "\"");
  }
  if (file.size < 0) return BadManifest("negative size for " + file.path);
  if (!IsSha256Hex(file.sha256)) return BadManifest("bad sha256 for " + file.path);
  return file;
}

}  // namespace

int64_t SyncPoint::TotalBytes() const {
  int64_t total = 0;
  for (const ManifestFile& file : files) total += file.size;
  return total;
}

std::string SyncPointId(EpochMs time_ms, std::string_view host) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%013lld", static_cast<long long>(time_ms));
  return std::string(digits) + "-" + std::string(host);
}

std::string ManifestKey(std::string_view point_id) {
  return std::string(kPointsPrefix) + std::string(point_id) + std::string(kManifestSuffix);
}

std::string HistoryKey(std::string_view sha256) { return std::string(kHistoryPrefix) + std::string(sha256); }

std::optional<std::string> PointIdFromManifestKey(std::string_view key) {
  if (!key.starts_with(kPointsPrefix) || !key.ends_with(kManifestSuffix)) return std::nullopt;
  std::string_view id = key.substr(kPointsPrefix.size(), key.size() - kPointsPrefix.size() - kManifestSuffix.size());
  if (id.find('/') != std::string_view::npos || !ParsePointId(id).ok()) return std::nullopt;
  return std::string(id);
}

std::optional<std::string> Sha256FromHistoryKey(std::string_view key) {
  if (!key.starts_with(kHistoryPrefix)) return std::nullopt;
  std::string_view sha = key.substr(kHistoryPrefix.size());
  if (!IsSha256Hex(sha)) return std::nullopt;
  return std::string(sha);
}

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsCheckpointControlKey(std::string_view key) {
  return key == kCheckpointControlDir ||
         (key.starts_with(kCheckpointControlDir) && key.size() > kCheckpointControlDir.size() &&
          key[kCheckpointControlDir.size()] == '/');
}

Result<PointIdParts> ParsePointId(std::string_view id) {
  auto bad = [&] { return MakeError(ErrorCode::kInvalidArgument, "malformed sync point id \"" + std::string(id) + "\""); };
  if (id.size() < 15 || id[13] != '-') return bad();
  PointIdParts parts;
  for (char c : id.substr(0, 13)) {
    if (c < '0' || c > '9') return bad();
    parts.time_ms = parts.time_ms * 10 + (c - '0');
  }
  parts.host = std::string(id.substr(14));
  if (!ValidateObjectKey(parts.host).ok() || parts.host.find('/') != std::string::npos) return bad();
  return parts;
}

Json ToJson(const SyncPoint& point) {
  Json files = Json::array();
  for (const ManifestFile& file : point.files) {
    files.push_back({{"path", file.path}, {"size", file.size}, {"sha256", file.sha256}});
  }
  return {{"format", kFormatVersion}, {"id", point.id},       {"time_ms", point.time_ms},
          {"host", point.host},       {"job", point.job_name}, {"files", std::move(files)}};
}

Result<SyncPoint> SyncPointFromJson(const Json& json) {
  if (!json.is_object()) return BadManifest("not an object");
  if (!json.contains("format") || json["format"] != kFormatVersion) return BadManifest("unknown format");
  SyncPoint point;
  point.id = GetString(json, "id");
  point.host = GetString(json, "host");
  point.job_name = GetString(json, "job");
  std::optional<int64_t> time = GetInt(json, "time_ms");
  if (!time) return BadManifest("time_ms missing");
  point.time_ms = *time;
  Result<PointIdParts> parts = ParsePointId(point.id);
  if (!parts.ok() || parts->time_ms != point.time_ms || parts->host != point.host) {
    return BadManifest("id \"" + point.id + "\" does not match its time and host");
  }
  if (!json.contains("files") || !json["files"].is_array()) return BadManifest("files missing");
  for (const Json& entry : json["files"]) {
    TY_ASSIGN_OR_RETURN(ManifestFile file, FileFromJson(entry));
    point.files.push_back(std::move(file));
  }
  std::sort(point.files.begin(), point.files.end(),
            [](const ManifestFile& a, const ManifestFile& b) { return a.path < b.path; });
  for (size_t i = 1; i < point.files.size(); ++i) {
    if (point.files[i].path == point.files[i - 1].path) return BadManifest("duplicate path " + point.files[i].path);
  }
  return point;
}

}  // namespace trainyard
