// The path of this process's executable (/proc/self/exe, resolved), for a
// program that starts itself again or finds files installed beside it.
// Thread safety: may be called from any thread.
#pragma once

#include <string>

namespace trainyard {

// "" when it cannot be resolved (no /proc, say).
std::string CurrentExecutablePath();

}  // namespace trainyard
