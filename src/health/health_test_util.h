// Helpers for the health tests: a temporary directory removed at the end of
// the test, and files and executable scripts written into it.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace trainyard::health_testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ty-health-XXXXXX").string();
    EXPECT_NE(mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path Path(std::string_view relative) const { return path_ / relative; }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::filesystem::path& path, std::string_view content, mode_t mode = 0644) {
  std::filesystem::create_directories(path.parent_path());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    ASSERT_TRUE(out.good()) << path;
  }
  ASSERT_EQ(chmod(path.c_str(), mode), 0) << path;
}

// An executable /bin/sh script with `body` after the #! line.
inline std::filesystem::path WriteScript(const TempDir& dir, std::string_view name, std::string_view body) {
  const std::filesystem::path path = dir.Path(name);
  WriteFile(path, "#!/bin/sh\n" + std::string(body) + "\n", 0755);
  return path;
}

}  // namespace trainyard::health_testing
