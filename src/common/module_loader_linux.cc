#include "common/module_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

#include "common/current_executable.h"

namespace trainyard {
namespace {

std::string ExecutableDir() {
  std::string self = CurrentExecutablePath();
  return self.empty() ? std::string(".") : std::filesystem::path(self).parent_path().string();
}

// One load at a time: dlopen returns the handle it already has for a module
// loaded before, and the messages of concurrent failures do not mix.
std::mutex& LoadMutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

Result<const ModuleHeader*> LoadModuleHeader(const std::string& file, const std::string& entry, size_t size) {
  const std::string path = ExecutableDir() + "/" + file;
  std::lock_guard lock(LoadMutex());
  if (access(path.c_str(), F_OK) != 0) {
    return MakeError(ErrorCode::kNotFound, "module " + path + " is missing (it is built and kept beside " +
                                               "the executable)");
  }
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // the same handle again once loaded
  if (handle == nullptr) {
    const char* why = dlerror();
    return MakeError(ErrorCode::kFailedPrecondition, "module " + path + " does not load: " + (why ? why : "?"));
  }
  using Entry = const ModuleHeader* (*)();
  auto function = reinterpret_cast<Entry>(dlsym(handle, entry.c_str()));
  if (function == nullptr) {
    return MakeError(ErrorCode::kFailedPrecondition, "module " + path + " has no entry point " + entry);
  }
  const ModuleHeader* header = function();
  if (header == nullptr || header->abi != kModuleAbi || header->size != size) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "module " + path + " was built for another version of trainyard (ABI " +
                         (header ? std::to_string(header->abi) + ", table of " + std::to_string(header->size) +
                                       " bytes"
                                 : std::string("unknown")) +
                         "; this program expects ABI " + std::to_string(kModuleAbi) + ", " +
                         std::to_string(size) + " bytes)");
  }
  return header;
}

}  // namespace trainyard
