// StoreArtifactPacker: ArtifactPacker over ObjectStores. Staging lives at
// "<S3OutputPath>/<job>/output/.staging"; Pack() downloads the staged files
// into a scratch directory, writes model.tar.gz (model/) and output.tar.gz
// (output/data/) next to it with libarchive, uploads both, and deletes the
// staged objects. Files from several instances merge into one archive, as
// SageMaker's do (same name: last writer wins).
#pragma once

#include <string>

#include "controller/artifact_packer.h"

namespace trainyard {

class StoreArtifactPacker : public ArtifactPacker {
 public:
  // `scratch_dir`: where archives are assembled (under the state directory).
  explicit StoreArtifactPacker(std::string scratch_dir) : scratch_dir_(std::move(scratch_dir)) {}
  Result<std::string> StagingUri(const TrainingJob& job) override;
  Result<std::string> Pack(const TrainingJob& job) override;

 private:
  std::string scratch_dir_;
};

}  // namespace trainyard
