#include "health/instance_types.h"

#include <array>

namespace trainyard {
namespace {

struct GpuType {
  std::string_view name;
  int count;
  std::string_view model;
};

constexpr std::string_view kK80 = "NVIDIA K80";
constexpr std::string_view kV100 = "NVIDIA V100";
constexpr std::string_view kA100 = "NVIDIA A100";
constexpr std::string_view kH100 = "NVIDIA H100";
constexpr std::string_view kH200 = "NVIDIA H200";
constexpr std::string_view kB200 = "NVIDIA B200";
constexpr std::string_view kT4 = "NVIDIA T4";
constexpr std::string_view kA10G = "NVIDIA A10G";
constexpr std::string_view kL4 = "NVIDIA L4";
constexpr std::string_view kL40S = "NVIDIA L40S";

constexpr auto kGpuTypes = std::to_array<GpuType>({
    {"ml.p2.xlarge", 1, kK80},        {"ml.p2.8xlarge", 8, kK80},       {"ml.p2.16xlarge", 16, kK80},
    {"ml.p3.2xlarge", 1, kV100},      {"ml.p3.8xlarge", 4, kV100},      {"ml.p3.16xlarge", 8, kV100},
    {"ml.p3dn.24xlarge", 8, kV100},   {"ml.p4d.24xlarge", 8, kA100},    {"ml.p4de.24xlarge", 8, kA100},
    {"ml.p5.48xlarge", 8, kH100},     {"ml.p5e.48xlarge", 8, kH200},    {"ml.p5en.48xlarge", 8, kH200},
    {"ml.p6-b200.48xlarge", 8, kB200},
    {"ml.g4dn.xlarge", 1, kT4},       {"ml.g4dn.2xlarge", 1, kT4},      {"ml.g4dn.4xlarge", 1, kT4},
    {"ml.g4dn.8xlarge", 1, kT4},      {"ml.g4dn.16xlarge", 1, kT4},     {"ml.g4dn.12xlarge", 4, kT4},
    {"ml.g5.xlarge", 1, kA10G},       {"ml.g5.2xlarge", 1, kA10G},      {"ml.g5.4xlarge", 1, kA10G},
    {"ml.g5.8xlarge", 1, kA10G},      {"ml.g5.16xlarge", 1, kA10G},     {"ml.g5.12xlarge", 4, kA10G},
    {"ml.g5.24xlarge", 4, kA10G},     {"ml.g5.48xlarge", 8, kA10G},
    {"ml.g6.xlarge", 1, kL4},         {"ml.g6.2xlarge", 1, kL4},        {"ml.g6.4xlarge", 1, kL4},
    {"ml.g6.8xlarge", 1, kL4},        {"ml.g6.16xlarge", 1, kL4},       {"ml.g6.12xlarge", 4, kL4},
    {"ml.g6.24xlarge", 4, kL4},       {"ml.g6.48xlarge", 8, kL4},
    {"ml.g6e.xlarge", 1, kL40S},      {"ml.g6e.2xlarge", 1, kL40S},     {"ml.g6e.4xlarge", 1, kL40S},
    {"ml.g6e.8xlarge", 1, kL40S},     {"ml.g6e.16xlarge", 1, kL40S},    {"ml.g6e.12xlarge", 4, kL40S},
    {"ml.g6e.24xlarge", 4, kL40S},    {"ml.g6e.48xlarge", 8, kL40S},
});

// Families without NVIDIA GPUs: general purpose, compute, memory, burstable,
// and AWS's own accelerators (Trainium, Inferentia).
constexpr auto kGpulessFamilies = std::to_array<std::string_view>({
    "m4", "m5", "m5d", "m6i", "m6id", "m7i", "c4", "c5", "c5n", "c6i", "c6in", "c7i",
    "r5", "r5d", "r6i", "r7i", "t2", "t3", "trn1", "trn1n", "trn2", "inf1", "inf2",
});

// "medium", "large", "xlarge", "2xlarge", ..., "metal", "metal-24xl".
bool IsSize(std::string_view size) {
  for (std::string_view named : {"nano", "micro", "small", "medium", "large", "xlarge"}) {
    if (size == named) return true;
  }
  if (size.starts_with("metal")) return true;
  size_t digits = 0;
  while (digits < size.size() && size[digits] >= '0' && size[digits] <= '9') ++digits;
  return digits > 0 && size.substr(digits) == "xlarge";
}

}  // namespace

std::optional<InstanceGpus> GpusPromised(std::string_view instance_type) {
  for (const GpuType& type : kGpuTypes) {
    if (type.name == instance_type) return InstanceGpus{type.count, type.model};
  }
  if (!instance_type.starts_with("ml.")) return std::nullopt;
  std::string_view rest = instance_type.substr(3);
  const size_t dot = rest.find('.');
  if (dot == std::string_view::npos || !IsSize(rest.substr(dot + 1))) return std::nullopt;
  for (std::string_view family : kGpulessFamilies) {
    if (rest.substr(0, dot) == family) return InstanceGpus{0, {}};
  }
  return std::nullopt;
}

}  // namespace trainyard
