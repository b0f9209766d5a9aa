// How many GPUs a SageMaker ML instance type promises, so the GPU check can
// compare what a host has with what the job was given.
//
// GPU types (p, g families) are listed one by one with their GPU model; CPU
// families (m, c, r, t, ...) promise none at any size, and so do the
// Trainium and Inferentia families (their accelerators are not NVIDIA GPUs).
// Thread-safe (a constant table).
#pragma once

#include <optional>
#include <string_view>

namespace trainyard {

struct InstanceGpus {
  int count = 0;
  std::string_view model;  // "NVIDIA A100"; empty when count is 0
};

// The GPUs `instance_type` promises ("ml.p4d.24xlarge": 8 NVIDIA A100), or
// nullopt for a type this table does not know (callers treat that as
// promising none, and say the type is unknown).
std::optional<InstanceGpus> GpusPromised(std::string_view instance_type);

}  // namespace trainyard
