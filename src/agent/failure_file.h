// Reading the training program's failure description (/opt/ml/output/failure).
//
// SageMaker returns "the first 1024 characters from this file" as the job's
// FailureReason; we keep the first kMaxFailureBytes bytes, cut so that no
// UTF-8 character is split. Prefixing "AlgorithmError: " is the server's job.
// Thread safety: pure function over the file system.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "common/result.h"

namespace trainyard {

inline constexpr size_t kMaxFailureBytes = 1024;

// The first `max_bytes` bytes of the file at `path` (a UTF-8-safe cut), or ""
// when the file does not exist. kInternal when it exists but cannot be read
// (a directory, a symlink, a FIFO, or unreadable).
Result<std::string> ReadFailureFile(const std::filesystem::path& path,
                                    size_t max_bytes = kMaxFailureBytes);

}  // namespace trainyard
