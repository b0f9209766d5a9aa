#include "storage/md5.h"

#include <gtest/gtest.h>

#include "common/crypto.h"

namespace trainyard {
namespace {

TEST(Md5Test, KnownDigestsAndContentMd5Encoding) {
  EXPECT_EQ(HexEncode(Md5Digest("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Base64Encode(Md5Digest("")), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(Base64Encode("a"), "YQ==");
  EXPECT_EQ(Base64Encode(""), "");
}

TEST(Md5Test, IncrementalUpdatesMatchOneShotAndFinishResets) {
  Md5 md5;
  md5.Update("a");
  md5.Update("bc");
  EXPECT_EQ(md5.Finish(), Md5Digest("abc"));
  md5.Update("abc");
  EXPECT_EQ(md5.Finish(), Md5Digest("abc"));
}

}  // namespace
}  // namespace trainyard
