// Plain-text tables for the terminal: columns padded to their widest cell.
#pragma once

#include <string>
#include <vector>

namespace trainyard::cli {

std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

// Epoch seconds as "2026-11-27 18:00:00" (UTC); empty for 0.
std::string FormatTime(double epoch_seconds);
// 75 seconds as "1m15s".
std::string FormatDuration(int64_t seconds);

}  // namespace trainyard::cli
