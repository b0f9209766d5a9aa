#include "agent/utf8_cut.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(Utf8CutTest, ShortTextIsKept) {
  EXPECT_EQ(Utf8PrefixLength("abc", 3), 3u);
  EXPECT_EQ(Utf8PrefixLength("abc", 10), 3u);
}

TEST(Utf8CutTest, NeverSplitsACharacter) {
  const std::string text = "a\xE2\x82\xAC" "b";  // "a€b": € is 3 bytes
  EXPECT_EQ(Utf8PrefixLength(text, 1), 1u);
  EXPECT_EQ(Utf8PrefixLength(text, 2), 1u);
  EXPECT_EQ(Utf8PrefixLength(text, 3), 1u);
  EXPECT_EQ(Utf8PrefixLength(text, 4), 4u);
  const std::string emoji = "\xF0\x9F\x98\x80\xF0\x9F\x98\x80";
  EXPECT_EQ(Utf8PrefixLength(emoji, 7), 4u);
  EXPECT_EQ(Utf8PrefixLength(emoji, 3), 0u);
}

TEST(Utf8CutTest, InvalidBytesAreCutAnywhere) {
  const std::string junk = "\x80\x80\x80\x80\x80\x80";
  EXPECT_EQ(Utf8PrefixLength(junk, 5), 5u);
}

}  // namespace
}  // namespace trainyard
