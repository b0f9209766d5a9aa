// Sync points: what a checkpoint directory held at one moment, and where that
// lives under a checkpoint URI (CheckpointConfig.S3Uri).
//
// Layout under the URI (keys relative to it):
//
//   <path>                          the live mirror of the local checkpoint
//                                   directory, exactly as SageMaker keeps it
//   .trainyard/points/<id>.json     one manifest per sync point (SyncPoint)
//   .trainyard/history/<sha256>     a file's earlier content, kept while a
//                                   retained sync point still needs it
//
// A manifest is written only after every file it lists is durable, so the
// existence of a manifest means "this state was complete". A listed file's
// content is found at its live key when that object still has the listed
// size and SHA-256, otherwise at its history key; when neither holds, the
// point is not durable any more and restores skip it.
//
// Several instances may mirror into one URI (SageMaker's semantics: one
// shared location, last writer wins). Each instance is a writer with its own
// points, told apart by `host`. The state "as of" a moment is, for each
// writer, its newest point at or before that moment, merged by path; where
// two writers list the same path, the newer point wins.
//
// Point ids sort by time: "<13-digit epoch ms>-<host>", so a listing of
// .trainyard/points/ is in time order. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"

namespace trainyard {

inline constexpr std::string_view kCheckpointControlDir = ".trainyard";
inline constexpr std::string_view kPointsPrefix = ".trainyard/points/";
inline constexpr std::string_view kHistoryPrefix = ".trainyard/history/";

struct ManifestFile {
  std::string path;    // relative, '/'-separated, a valid object key
  int64_t size = 0;    // bytes
  std::string sha256;  // lowercase hex of the content
  bool operator==(const ManifestFile&) const = default;
};

struct SyncPoint {
  std::string id;                  // SyncPointId(time_ms, host)
  EpochMs time_ms = 0;             // when the directory held exactly `files`
  std::string host;                // the writer: "algo-1"
  std::string job_name;            // the training job whose instance wrote it
  std::vector<ManifestFile> files; // sorted by path, no duplicates
  bool operator==(const SyncPoint&) const = default;

  int64_t TotalBytes() const;
};

// "<13-digit zero-padded epoch ms>-<host>". `host` must be a valid single
// key segment without '/'.
std::string SyncPointId(EpochMs time_ms, std::string_view host);

std::string ManifestKey(std::string_view point_id);   // ".trainyard/points/<id>.json"
std::string HistoryKey(std::string_view sha256);      // ".trainyard/history/<sha256>"

// The point id named by a key under kPointsPrefix; nullopt for any other key
// (including temp or foreign files there).
std::optional<std::string> PointIdFromManifestKey(std::string_view key);

// The sha256 named by a history key; nullopt for any other key (including
// keys under kHistoryPrefix that are not 64 lowercase hex digits).
std::optional<std::string> Sha256FromHistoryKey(std::string_view key);

// True when `s` is 64 lowercase hex digits, as a manifest's sha256 is.
bool IsSha256Hex(std::string_view s);

// True for keys under ".trainyard/": never part of the mirrored directory.
bool IsCheckpointControlKey(std::string_view key);

// Parses an id back into its time and host; kInvalidArgument if malformed.
struct PointIdParts {
  EpochMs time_ms = 0;
  std::string host;
};
Result<PointIdParts> ParsePointId(std::string_view id);

Json ToJson(const SyncPoint& point);
// kSerialization when the JSON is not a manifest this version understands:
// wrong types, a path that is not a valid key or lies under ".trainyard/",
// a checksum that is not 64 lowercase hex digits, a negative size,
// duplicate paths, or an id that disagrees with time_ms/host.
Result<SyncPoint> SyncPointFromJson(const Json& json);

}  // namespace trainyard
