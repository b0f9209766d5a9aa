#include "health/xid_events.h"

#include <array>
#include <utility>

namespace trainyard {
namespace {

constexpr auto kCriticalXids = std::to_array<std::pair<uint64_t, std::string_view>>({
    {48, "double-bit ECC error"},
    {64, "ECC page retirement or row remapping failure"},
    {74, "NVLink error"},
    {79, "GPU has fallen off the bus"},
    {92, "high single-bit ECC error rate"},
    {94, "contained ECC error"},
    {95, "uncontained ECC error"},
    {119, "GSP RPC timeout"},
    {120, "GSP error"},
});

}  // namespace

bool IsCriticalXid(uint64_t xid) { return !CriticalXidMeaning(xid).empty(); }

std::string_view CriticalXidMeaning(uint64_t xid) {
  for (const auto& [number, meaning] : kCriticalXids) {
    if (number == xid) return meaning;
  }
  return {};
}

}  // namespace trainyard
