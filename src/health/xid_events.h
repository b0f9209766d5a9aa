// Which XID errors mean a GPU must be drained: the set cluster health tools
// (NHC, DCGM, the GPU operators) take a node out of service for. Other XIDs
// (13: a graphics engine exception, usually the program's own fault; 31: a
// page fault; 43: a stopped channel) are the workload's business.
// Thread-safe (constants).
#pragma once

#include <cstdint>
#include <string_view>

namespace trainyard {

// 48, 64, 74, 79, 92, 94, 95, 119, 120.
bool IsCriticalXid(uint64_t xid);

// What a critical XID means ("double-bit ECC error"); "" for any other.
std::string_view CriticalXidMeaning(uint64_t xid);

}  // namespace trainyard
