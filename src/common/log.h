// Minimal structured logging to stderr: "2026-11-27T18:00:00.123Z INFO message".
// The code that handles an error logs it; code that passes it on does not.
// Thread safety: lines from different threads never interleave.
#pragma once

#include <string_view>

namespace trainyard {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

void Log(LogLevel level, std::string_view message);
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(std::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }

// Lines below `level` are dropped (default kInfo; TRAINYARD_LOG_LEVEL=debug|info|warning|error).
void SetLogLevel(LogLevel level);

}  // namespace trainyard
