#include "collective/nccl_probe.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(NcclProbeTest, AMissingNcclIsSkippedWithTheLibraryNamed) {
  NcclProbe probe = ProbeNccl({.nccl_libraries = {"libnccl-absent-for-test.so.2"},
                               .cudart_libraries = {"libc.so.6"}});
  EXPECT_FALSE(probe.loadable);
  EXPECT_EQ(probe.note.rfind("skipped: libnccl-absent-for-test.so.2 not loadable", 0), 0u)
      << probe.note;
}

TEST(NcclProbeTest, AMissingCudaRuntimeIsSkippedToo) {
  // libc stands in for a libnccl that loads.
  NcclProbe probe = ProbeNccl({.nccl_libraries = {"libc.so.6"},
                               .cudart_libraries = {"libcudart-absent-for-test.so"}});
  EXPECT_FALSE(probe.loadable);
  EXPECT_EQ(probe.note.rfind("skipped: libc.so.6 loads but libcudart-absent-for-test.so does not", 0),
            0u)
      << probe.note;
}

TEST(NcclProbeTest, BothLoadableStillSaysSkippedNeverAResult) {
  NcclProbe probe = ProbeNccl({.nccl_libraries = {"libc.so.6"}, .cudart_libraries = {"libm.so.6"}});
  EXPECT_TRUE(probe.loadable);
  EXPECT_EQ(probe.note.rfind("skipped: ", 0), 0u) << probe.note;
}

TEST(NcclProbeTest, TheDefaultProbeAlwaysGivesANote) {
  NcclProbe probe = ProbeNccl();
  EXPECT_EQ(probe.note.rfind("skipped: ", 0), 0u) << probe.note;
}

}  // namespace
}  // namespace trainyard
