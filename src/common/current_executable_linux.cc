#include "common/current_executable.h"

#include <filesystem>

namespace trainyard {

std::string CurrentExecutablePath() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.string();
}

}  // namespace trainyard
