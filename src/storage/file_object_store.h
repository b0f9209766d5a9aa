// FileObjectStore: an ObjectStore kept in a local directory (file:// URIs).
// Object "a/b/c" is the regular file <root>/a/b/c.
//
// Safety: keys are validated (ValidateObjectKey) and resolved one directory
// at a time without following symlinks, so no key, and no symlink planted
// under the root, reaches outside it. Symlinks, directories and other
// non-regular files under the root are not objects: reads treat them as
// missing and List skips them.
// Atomicity: a put writes a ".ty-partial-*" temp file beside its target,
// fsyncs it and renames it into place; such temp files are never listed, and
// keys with a segment starting ".ty-partial-" are refused. Delete removes
// directories left empty, up to (not including) the root.
// Limits of the mapping onto a filesystem: "a" and "a/b" cannot both exist;
// putting one while the other exists fails with kFailedPrecondition.
// The root is created on the first put; until then the store is empty.
// Thread safety: safe from any number of threads and processes at once;
// concurrent puts of one key leave one of the contents, whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.h"

namespace trainyard {

class FileObjectStore : public ObjectStore {
 public:
  // `root_dir` should be absolute (see ParseStorageUri); it may be a symlink.
  explicit FileObjectStore(std::string root_dir);

  std::string Uri() const override;
  Status PutFile(std::string_view key, const std::string& local_path) override;
  Status GetFile(std::string_view key, const std::string& local_path) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Copy(std::string_view from_key, std::string_view to_key) override;
  Status Delete(std::string_view key) override;
  Result<ObjectInfo> Head(std::string_view key) override;

 private:
  std::string ObjectUri(std::string_view key) const;
  // Writes the content of `source_fd` (from offset 0) as the object at
  // `segments`, atomically; `source_name` names the source in errors.
  Status WriteObject(const std::vector<std::string>& segments, int source_fd,
                     const std::string& source_name);

  std::string root_;
};

}  // namespace trainyard
