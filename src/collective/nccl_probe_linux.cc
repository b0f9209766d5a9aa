#include <dlfcn.h>

#include "collective/nccl_probe.h"

namespace trainyard {
namespace {

// The first of `names` that dlopen can load ("" when none), closed again;
// `error` gets the first failure's dlerror() text.
std::string FirstLoadable(const std::vector<std::string>& names, std::string* error) {
  for (const std::string& name : names) {
    void* handle = ::dlopen(name.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (handle != nullptr) {
      ::dlclose(handle);
      return name;
    }
    const char* why = ::dlerror();
    if (error->empty() && why != nullptr) *error = why;
  }
  return "";
}

std::string Names(const std::vector<std::string>& names) {
  return names.empty() ? std::string("(no library named)") : names.front();
}

}  // namespace

NcclProbe ProbeNccl(const NcclProbeOptions& options) {
  NcclProbe probe;
  std::string error;
  std::string nccl = FirstLoadable(options.nccl_libraries, &error);
  if (nccl.empty()) {
    probe.note = "skipped: " + Names(options.nccl_libraries) + " not loadable" +
                 (error.empty() ? "" : " (" + error + ")");
    return probe;
  }
  error.clear();
  std::string cudart = FirstLoadable(options.cudart_libraries, &error);
  if (cudart.empty()) {
    probe.note = "skipped: " + nccl + " loads but " + Names(options.cudart_libraries) +
                 " does not" + (error.empty() ? "" : " (" + error + ")");
    return probe;
  }
  probe.loadable = true;
  probe.note = "skipped: " + nccl + " and " + cudart +
               " load, but trainyard's NCCL allreduce is not implemented yet";
  return probe;
}

}  // namespace trainyard
