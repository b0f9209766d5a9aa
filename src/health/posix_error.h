// An Error from an errno value: "<what>: <strerror>", with a code that says
// what kind of failure it was (ENOENT: kNotFound, EACCES: kFailedPrecondition,
// ENOSPC: kResourceExhausted, ...). Thread-safe.
#pragma once

#include <string_view>

#include "common/result.h"

namespace trainyard {

Error PosixError(int err, std::string_view what);

}  // namespace trainyard
