// ObjectStore: a flat store of immutable objects addressed by keys under one
// root (a bucket prefix or a local directory). Checkpoints, input channels,
// submit directories and model artifacts all move through this seam.
//
// Keys are relative, '/'-separated, at most 1024 bytes, and never contain an
// empty, "." or ".." segment, a leading or trailing '/', or NUL
// (ValidateObjectKey). A key that breaks these rules is refused with
// kInvalidArgument before any I/O, so no key can name anything outside the root.
//
// Errors common to every call: kInvalidArgument for a bad key or prefix;
// kUnavailable for a transient failure (retrying may help); kResourceExhausted
// when the store is full; kFailedPrecondition for a permanent refusal
// (permissions, a key that conflicts with the store's layout). Messages name
// the object's URI.
//
// Implementations: FileObjectStore (file://), FaultInjectingObjectStore (a
// wrapper for tests). Thread safety: every implementation may be called from
// any number of threads (and, for shared storage, processes) at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace trainyard {

struct ObjectInfo {
  std::string key;
  int64_t size = 0;       // bytes
  EpochMs mtime_ms = 0;   // when the object was last written
  bool operator==(const ObjectInfo&) const = default;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The root as a storage URI ("file:///var/ckpt", "s3://bucket/prefix"),
  // for messages.
  virtual std::string Uri() const = 0;

  // Stores the content of the local file `local_path` under `key`, replacing
  // any object already there. Atomic: readers see the old object or the
  // whole new one, never a part. kNotFound if `local_path` does not exist
  // (the object is never missing for a put, so the code is unambiguous).
  virtual Status PutFile(std::string_view key, const std::string& local_path) = 0;

  // Writes the object's content to `local_path`, creating missing parent
  // directories. The file appears whole or not at all (temp file + rename);
  // an existing file there is replaced. kNotFound if there is no such object.
  virtual Status GetFile(std::string_view key, const std::string& local_path) = 0;

  // Every object whose key starts with `prefix` (a plain string prefix, as
  // in S3: "a/b" matches "a/b/c" and "a/bc"), at any depth, sorted by key
  // (bytewise). An empty prefix lists the whole root. Never kNotFound: a
  // prefix that matches nothing gives an empty list.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;

  // Copies the object at `from_key` to `to_key` inside the store (for S3 a
  // server-side CopyObject: no bytes pass through this process), replacing
  // any object at `to_key`. Atomic like PutFile. kNotFound if `from_key` has
  // no object.
  virtual Status Copy(std::string_view from_key, std::string_view to_key) = 0;

  // Removes the object. Idempotent, as in S3: deleting a missing key is OK.
  virtual Status Delete(std::string_view key) = 0;

  // The object's size and mtime. kNotFound if there is no such object.
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;

  // Whether the object exists (Head, with kNotFound turned into false).
  Result<bool> Exists(std::string_view key);
};

// OK if `key` is a valid object key (see above); kInvalidArgument naming the
// rule it breaks otherwise.
Status ValidateObjectKey(std::string_view key);

// OK if `prefix` is usable for List: empty, or a key prefix whose complete
// segments (those followed by '/') obey the key rules; the last, partial
// segment may be anything without NUL.
Status ValidateListPrefix(std::string_view prefix);

}  // namespace trainyard
