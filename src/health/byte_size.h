// Byte counts for people: "512 B", "120 MiB", "1.5 GiB" (binary units; one
// decimal below 10 of a unit, none above). Thread-safe (pure).
#pragma once

#include <cstdint>
#include <string>

namespace trainyard {

inline constexpr int64_t kKiB = int64_t{1} << 10;
inline constexpr int64_t kMiB = int64_t{1} << 20;
inline constexpr int64_t kGiB = int64_t{1} << 30;

// Negative counts are written with a leading '-'.
std::string FormatBytes(int64_t bytes);

}  // namespace trainyard
