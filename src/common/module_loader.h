// Modules: shared objects of trainyard's own, loaded at run time, so that a
// process maps a heavy library (libcurl and its TLS and Kerberos stack,
// libarchive, Gloo) only once it needs what that library does. The agent is
// the user: an idle instance agent maps 7 shared libraries instead of 52
// (about 9.7 MiB resident instead of 16.4).
//
// A module lives next to the executable that loads it (the build directory,
// or wherever the binaries were copied together) and exports one entry point,
// `const Api* <entry>()`, returning a table of functions that starts with
// ModuleHeader. The header's `abi` must equal kModuleAbi and `size` the
// loader's sizeof(Api): a module from another build is refused, not called.
// Modules are loaded with RTLD_NOW | RTLD_LOCAL, once per process, and never
// unloaded (objects they made may outlive any caller).
// Thread safety: LoadModule may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace trainyard {

// Bump when any module's function table or the types it passes change.
inline constexpr uint32_t kModuleAbi = 1;

struct ModuleHeader {
  uint32_t abi = kModuleAbi;
  uint32_t size = 0;  // sizeof the whole table
};

// The entry's table from `file` (a file name, found in the directory of
// /proc/self/exe). kNotFound when the module file is missing;
// kFailedPrecondition when it does not load, lacks the entry or was built
// for another ABI.
Result<const ModuleHeader*> LoadModuleHeader(const std::string& file, const std::string& entry, size_t size);

template <typename Api>
Result<const Api*> LoadModule(const std::string& file, const std::string& entry) {
  Result<const ModuleHeader*> header = LoadModuleHeader(file, entry, sizeof(Api));
  if (!header.ok()) return header.error();
  return reinterpret_cast<const Api*>(*header);
}

}  // namespace trainyard
