// ObjectStoreOpener: turns a storage URI from a job (a channel's S3Uri, a
// submit directory) into an ObjectStore rooted at that URI, and unpacks the
// archives fetched from them (a submit directory's sourcedir.tar.gz). The
// agent's seam for "where does this data live"; tests pass a fake that hands
// out fault-injecting stores; the agent itself loads S3 and archive support
// from a module (agent/agent_modules.h).
//
// Thread safety: implementations may be called from any thread.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "storage/object_store.h"
#include "storage/s3_options.h"
#include "storage/storage_uri.h"

namespace trainyard {

class ObjectStoreOpener {
 public:
  virtual ~ObjectStoreOpener() = default;
  // A store whose root is `uri`: key "a/b" is <uri>/a/b. kInvalidArgument for
  // a scheme this opener cannot serve.
  virtual Result<std::unique_ptr<ObjectStore>> Open(const StorageUri& uri) = 0;
  // Extracts the local tar archive `archive_path` into `dest_dir` by
  // storage/tarball.h's ExtractTarGz rules, with its errors.
  virtual Status ExtractArchive(const std::string& archive_path, const std::string& dest_dir) = 0;
};

// Serves file:// URIs with a FileObjectStore and refuses s3://
// (kInvalidArgument): for tests that must not reach a network.
class LocalObjectStoreOpener : public ObjectStoreOpener {
 public:
  Result<std::unique_ptr<ObjectStore>> Open(const StorageUri& uri) override;
  Status ExtractArchive(const std::string& archive_path, const std::string& dest_dir) override;
};

// Serves file:// and s3:// (OpenObjectStore) with the given S3 settings:
// what the agent uses.
class ConfiguredObjectStoreOpener : public ObjectStoreOpener {
 public:
  explicit ConfiguredObjectStoreOpener(S3Options s3) : s3_(std::move(s3)) {}
  Result<std::unique_ptr<ObjectStore>> Open(const StorageUri& uri) override;
  Status ExtractArchive(const std::string& archive_path, const std::string& dest_dir) override;

 private:
  const S3Options s3_;
};

}  // namespace trainyard
