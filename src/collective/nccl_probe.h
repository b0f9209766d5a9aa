// Whether this host could run the NCCL part of the collective check: it
// needs libnccl and the CUDA runtime, loaded at run time (dlopen) so that
// trainyard neither links nor ships them.
//
// Only the probe exists so far: where both libraries load, the note says the
// NCCL allreduce is not implemented yet; no NCCL result is ever made up.
// Thread safety: ProbeNccl may be called from any thread.
#pragma once

#include <string>
#include <vector>

namespace trainyard {

struct NcclProbeOptions {
  std::vector<std::string> nccl_libraries = {"libnccl.so.2", "libnccl.so"};
  std::vector<std::string> cudart_libraries = {"libcudart.so", "libcudart.so.12",
                                                "libcudart.so.11.0"};
};

struct NcclProbe {
  bool loadable = false;  // one library of each list loaded
  std::string note;       // for CollectiveResult::nccl, e.g. "skipped: libnccl.so.2 not loadable"
};

NcclProbe ProbeNccl(const NcclProbeOptions& options = {});

}  // namespace trainyard
