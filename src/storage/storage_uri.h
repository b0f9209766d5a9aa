// Storage URIs: where an ObjectStore's root lives.
//
//   s3://bucket/prefix   an S3-compatible bucket, keys under `prefix`
//   file:///abs/path     a directory on the local filesystem
//
// Parsing is strict so that a URI names exactly one place: relative paths,
// "." and ".." segments, empty segments ("a//b"), NUL and control
// characters, an empty bucket and every other scheme are refused with
// kInvalidArgument and a message that quotes the URI. Schemes compare
// case-insensitively. File URIs are not percent-decoded: the path is taken
// literally. A trailing '/' is dropped. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace trainyard {

enum class StorageScheme { kS3, kFile };

struct StorageUri {
  StorageScheme scheme = StorageScheme::kFile;
  std::string bucket;  // s3 only: the bucket name
  // s3: the key prefix, without leading or trailing '/', possibly empty.
  // file: the absolute directory path, without a trailing '/' (except "/").
  std::string path;

  // The canonical spelling: "s3://bucket/prefix" or "file:///abs/path".
  std::string ToString() const;
  bool operator==(const StorageUri&) const = default;
};

Result<StorageUri> ParseStorageUri(std::string_view uri);

// Joins key parts with exactly one '/': JoinKey("a/", "/b") == "a/b".
// An empty part contributes nothing: JoinKey("", "b") == "b".
std::string JoinKey(std::string_view prefix, std::string_view name);

}  // namespace trainyard
