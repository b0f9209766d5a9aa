#include "agent/store_opener.h"

#include "storage/file_object_store.h"
#include "storage/open_object_store.h"
#include "storage/tarball.h"

namespace trainyard {

Result<std::unique_ptr<ObjectStore>> LocalObjectStoreOpener::Open(const StorageUri& uri) {
  if (uri.scheme != StorageScheme::kFile) {
    return MakeError(ErrorCode::kInvalidArgument,
                     uri.ToString() + ": only file:// URIs are supported on this agent");
  }
  return std::unique_ptr<ObjectStore>(std::make_unique<FileObjectStore>(uri.path));
}

Status LocalObjectStoreOpener::ExtractArchive(const std::string& archive_path, const std::string& dest_dir) {
  return ExtractTarGz(archive_path, dest_dir);
}

Status ConfiguredObjectStoreOpener::ExtractArchive(const std::string& archive_path,
                                                   const std::string& dest_dir) {
  return ExtractTarGz(archive_path, dest_dir);
}

Result<std::unique_ptr<ObjectStore>> ConfiguredObjectStoreOpener::Open(const StorageUri& uri) {
  return OpenObjectStore(uri, s3_);
}

}  // namespace trainyard
