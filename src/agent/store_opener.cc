#include "agent/store_opener.h"

#include "storage/file_object_store.h"

namespace trainyard {

Result<std::unique_ptr<ObjectStore>> LocalObjectStoreOpener::Open(const StorageUri& uri) {
  if (uri.scheme != StorageScheme::kFile) {
    return MakeError(ErrorCode::kInvalidArgument,
                     uri.ToString() + ": only file:// URIs are supported on this agent");
  }
  return std::unique_ptr<ObjectStore>(std::make_unique<FileObjectStore>(uri.path));
}

}  // namespace trainyard
