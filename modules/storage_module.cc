// trainyard-storage.so: s3:// object stores and tar archives for the agent
// (agent/agent_modules.h), so that an agent maps libcurl and libarchive only
// when its job uses them.
#include "agent/agent_modules.h"
#include "storage/open_object_store.h"
#include "storage/tarball.h"

namespace {

const trainyard::StorageModuleApi kApi{
    {trainyard::kModuleAbi, sizeof(trainyard::StorageModuleApi)},
    &trainyard::OpenObjectStore,
    &trainyard::ExtractTarGz,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const trainyard::ModuleHeader* trainyard_storage_module() {
  return &kApi.header;
}
