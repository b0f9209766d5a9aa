#include "health/posix_error.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace trainyard {

Error PosixError(int err, std::string_view what) {
  ErrorCode code = ErrorCode::kInternal;
  switch (err) {
    case ENOENT: code = ErrorCode::kNotFound; break;
    case EACCES: case EPERM: case ENOTDIR: case EROFS: case ENOEXEC: code = ErrorCode::kFailedPrecondition; break;
    case ENOSPC: case EDQUOT: case EMFILE: case ENFILE: case ENOMEM: case EAGAIN: code = ErrorCode::kResourceExhausted; break;
    default: break;
  }
  return MakeError(code, std::string(what) + ": " + std::strerror(err));
}

}  // namespace trainyard
