// trainyard-gloo.so: the collective check for the agent
// (agent/agent_modules.h), so that an agent maps Gloo (and the InfiniBand
// and netlink libraries it links) only when its job has several instances.
#include "agent/agent_modules.h"

namespace {

const trainyard::GlooModuleApi kApi{
    {trainyard::kModuleAbi, sizeof(trainyard::GlooModuleApi)},
    &trainyard::RunGlooCollectiveCheck,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const trainyard::ModuleHeader* trainyard_gloo_module() {
  return &kApi.header;
}
