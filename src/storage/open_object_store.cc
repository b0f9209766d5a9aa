#include "storage/open_object_store.h"

#include <random>

#include "storage/file_object_store.h"
#include "storage/s3_object_store.h"

namespace trainyard {

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const StorageUri& uri, const S3Options& s3_options) {
  switch (uri.scheme) {
    case StorageScheme::kFile:
      return std::unique_ptr<ObjectStore>(std::make_unique<FileObjectStore>(uri.path));
    case StorageScheme::kS3: {
      std::random_device seed;
      Result<std::unique_ptr<S3ObjectStore>> store =
          S3ObjectStore::Create(uri, s3_options, std::make_shared<RealSleeper>(),
                                (static_cast<uint64_t>(seed()) << 32) | seed());
      if (!store.ok()) return store.error().WithContext("opening " + uri.ToString());
      return std::unique_ptr<ObjectStore>(std::move(store).value());
    }
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown storage scheme in " + uri.ToString());
}

}  // namespace trainyard
