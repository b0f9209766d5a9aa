// MemoryHealthCheck ("memory"): is enough memory available to train?
//
// Reads MemAvailable (the kernel's estimate of memory that can be had without
// swapping) from /proc/meminfo; unhealthy below `min_available_bytes`:
// "512 MiB available of 16 GiB, needs 1 GiB". Run periodically, it also
// flags a job that is itself about to run out of memory.
//
// Errors (could not run): the file cannot be read (kNotFound, ...), or has no
// MemAvailable line (kernels before 3.14).
// Thread safety: stateless; runs may overlap.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <utility>

#include "health/byte_size.h"
#include "health/health_check.h"

namespace trainyard {

struct MemoryCheckOptions {
  int64_t min_available_bytes = 512 * kMiB;
  std::filesystem::path meminfo_path = "/proc/meminfo";  // tests point it at a file of their own
};

class MemoryHealthCheck : public HealthCheck {
 public:
  explicit MemoryHealthCheck(MemoryCheckOptions options = {}) : options_(std::move(options)) {}

  std::string_view name() const override { return "memory"; }
  Result<HealthVerdict> Run(const HealthContext& context) override;

 private:
  MemoryCheckOptions options_;
};

}  // namespace trainyard
