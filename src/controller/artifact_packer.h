// ArtifactPacker: where agents stage a job's model/ and output/data/, and how
// the staged files become SageMaker's model.tar.gz and output.tar.gz under
// OutputDataConfig.S3OutputPath/<job>/output/.
// Thread safety: implementations may be called from several job runners.
#pragma once

#include <string>

#include "common/result.h"
#include "model/training_job.h"

namespace trainyard {

class ArtifactPacker {
 public:
  virtual ~ArtifactPacker() = default;
  // The URI agents upload to: files of model/ under "<uri>/model/", of
  // output/data/ under "<uri>/data/". kInvalidArgument for an unusable S3OutputPath.
  virtual Result<std::string> StagingUri(const TrainingJob& job) = 0;
  // Packs what was staged (an empty model is fine) and removes the staging
  // files. Returns the model artifact's URI.
  virtual Result<std::string> Pack(const TrainingJob& job) = 0;
};

}  // namespace trainyard
