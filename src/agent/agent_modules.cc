#include "agent/agent_modules.h"

#include "storage/file_object_store.h"

namespace trainyard {
namespace {

Result<const StorageModuleApi*> Storage() {
  return LoadModule<StorageModuleApi>(kStorageModuleFile, kStorageModuleEntry);
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> ModuleObjectStoreOpener::Open(const StorageUri& uri) {
  if (uri.scheme == StorageScheme::kFile) {
    return std::unique_ptr<ObjectStore>(std::make_unique<FileObjectStore>(uri.path));
  }
  TY_ASSIGN_OR_RETURN(const StorageModuleApi* storage, Storage());
  return storage->open_store(uri, s3_);
}

Status ModuleObjectStoreOpener::ExtractArchive(const std::string& archive_path, const std::string& dest_dir) {
  TY_ASSIGN_OR_RETURN(const StorageModuleApi* storage, Storage());
  return storage->extract_tar_gz(archive_path, dest_dir);
}

Result<CollectiveResult> RunCollectiveCheckFromModule(RendezvousClient& rendezvous,
                                                      const CollectiveCheckOptions& options,
                                                      std::shared_ptr<void>* connections) {
  TY_ASSIGN_OR_RETURN(const GlooModuleApi* gloo, LoadModule<GlooModuleApi>(kGlooModuleFile, kGlooModuleEntry));
  return gloo->run_collective_check(rendezvous, options, connections);
}

}  // namespace trainyard
