// The agent's modules (common/module_loader.h): what an instance agent loads
// only when its job needs it, so that an idle agent maps none of it.
//   trainyard-storage.so  s3:// object stores (libcurl, expat) and tar
//                         archives (libarchive): modules/storage_module.cc
//   trainyard-gloo.so     the collective check (Gloo): modules/gloo_module.cc
// The function tables below are what both sides compile against; the
// loader-side wrappers are the agent's implementations of its seams.
// Thread safety: the wrappers may be called from any thread.
#pragma once

#include <memory>
#include <string>

#include "agent/store_opener.h"
#include "collective/collective_check.h"
#include "common/module_loader.h"
#include "storage/object_store.h"
#include "storage/s3_options.h"
#include "storage/storage_uri.h"

namespace trainyard {

inline constexpr char kStorageModuleFile[] = "trainyard-storage.so";
inline constexpr char kStorageModuleEntry[] = "trainyard_storage_module";
inline constexpr char kGlooModuleFile[] = "trainyard-gloo.so";
inline constexpr char kGlooModuleEntry[] = "trainyard_gloo_module";

struct StorageModuleApi {
  ModuleHeader header;
  Result<std::unique_ptr<ObjectStore>> (*open_store)(const StorageUri& uri, const S3Options& s3);
  Status (*extract_tar_gz)(const std::string& archive_path, const std::string& dest_dir);
};

struct GlooModuleApi {
  ModuleHeader header;
  Result<CollectiveResult> (*run_collective_check)(RendezvousClient& rendezvous,
                                                   const CollectiveCheckOptions& options,
                                                   std::shared_ptr<void>* connections);
};

// file:// in the agent itself (FileObjectStore); s3:// and archives through
// trainyard-storage.so, loaded on first use. A module that cannot be loaded
// is the error of the call that needed it (kNotFound, kFailedPrecondition).
class ModuleObjectStoreOpener : public ObjectStoreOpener {
 public:
  explicit ModuleObjectStoreOpener(S3Options s3) : s3_(std::move(s3)) {}
  Result<std::unique_ptr<ObjectStore>> Open(const StorageUri& uri) override;
  Status ExtractArchive(const std::string& archive_path, const std::string& dest_dir) override;

 private:
  const S3Options s3_;
};

// RunGlooCollectiveCheck (collective/collective_check.h) from trainyard-gloo.so.
Result<CollectiveResult> RunCollectiveCheckFromModule(RendezvousClient& rendezvous,
                                                      const CollectiveCheckOptions& options,
                                                      std::shared_ptr<void>* connections);

}  // namespace trainyard
