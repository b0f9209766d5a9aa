#include "health/memory_check.h"

#include <cerrno>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "common/strings.h"
#include "health/posix_error.h"

namespace trainyard {
namespace {

// The value of a "Name:   123 kB" line in bytes, when `line` is that field.
std::optional<int64_t> FieldBytes(std::string_view line, std::string_view field) {
  if (!line.starts_with(field) || line.size() <= field.size() || line[field.size()] != ':') return std::nullopt;
  std::string_view rest = Trim(line.substr(field.size() + 1));
  int64_t value = 0;
  size_t digits = 0;
  for (; digits < rest.size() && IsDigit(rest[digits]); ++digits) {
    if (value > (INT64_MAX - 9) / 10) return std::nullopt;
    value = value * 10 + (rest[digits] - '0');
  }
  if (digits == 0) return std::nullopt;
  std::string_view unit = Trim(rest.substr(digits));
  if (unit.empty()) return value;
  if (unit == "kB" && value <= INT64_MAX / kKiB) return value * kKiB;
  return std::nullopt;
}

}  // namespace

Result<HealthVerdict> MemoryHealthCheck::Run(const HealthContext& context) {
  const std::string path = options_.meminfo_path.string();
  errno = 0;
  std::ifstream in(options_.meminfo_path);
  if (!in) return PosixError(errno != 0 ? errno : EIO, "reading " + path);
  std::optional<int64_t> available, total;
  for (std::string line; std::getline(in, line);) {
    if (!available) available = FieldBytes(line, "MemAvailable");
    if (!total) total = FieldBytes(line, "MemTotal");
  }
  if (!available) return MakeError(ErrorCode::kFailedPrecondition, path + " has no MemAvailable");
  HealthVerdict verdict{std::string(name()), *available >= options_.min_available_bytes,
                        FormatBytes(*available) + " available"};
  if (total) verdict.evidence += " of " + FormatBytes(*total);
  if (!verdict.healthy) verdict.evidence += ", needs " + FormatBytes(options_.min_available_bytes);
  return verdict;
}

}  // namespace trainyard
