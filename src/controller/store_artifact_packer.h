// StoreArtifactPacker: ArtifactPacker over ObjectStores. Staging lives at
// "<S3OutputPath>/<job>/output/.staging"; Pack() downloads the staged files
// into a scratch directory, writes model.tar.gz (model/) and output.tar.gz
// (output/data/) next to it with libarchive, uploads both, and deletes the
// staged objects. Files from several instances merge into one archive, as
// SageMaker's do (same name: last writer wins).
#pragma once

#include <string>

#include <memory>

#include "controller/artifact_packer.h"
#include "storage/object_store.h"
#include "storage/s3_options.h"
#include "storage/storage_uri.h"

namespace trainyard {

class StoreArtifactPacker : public ArtifactPacker {
 public:
  // `scratch_dir`: where archives are assembled (under the state directory);
  // `s3`: how s3:// output paths are reached.
  StoreArtifactPacker(std::string scratch_dir, S3Options s3)
      : scratch_dir_(std::move(scratch_dir)), s3_(std::move(s3)) {}
  Result<std::string> StagingUri(const TrainingJob& job) override;
  Result<std::string> Pack(const TrainingJob& job) override;

 private:
  Result<std::unique_ptr<ObjectStore>> OpenStore(const StorageUri& uri) const;

  std::string scratch_dir_;
  const S3Options s3_;
};

}  // namespace trainyard
