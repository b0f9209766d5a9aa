#include "common/query_string.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(QueryStringTest, EncodeKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(PercentEncode("attempt-1/mesh_0.x~"), "attempt-1%2Fmesh_0.x~");
  EXPECT_EQ(PercentEncode("a b&c=d+%"), "a%20b%26c%3Dd%2B%25");
  EXPECT_EQ(PercentEncode(std::string("\0\xff", 2)), "%00%FF");
}

TEST(QueryStringTest, DecodeUndoesEncode) {
  const std::string samples[] = {"", "plain", "attempt-1/pair-0-1/rank_1", "a b&c=d+%",
                                 std::string("\0\x01\x80\xff", 4)};
  for (const std::string& s : samples) EXPECT_EQ(PercentDecode(PercentEncode(s)), s);
}

TEST(QueryStringTest, DecodeTable) {
  struct Case {
    std::string_view in;
    std::optional<std::string> out;
  };
  const Case cases[] = {
      {"a%2fb", "a/b"}, {"a%2Fb", "a/b"}, {"a+b", "a b"}, {"%", std::nullopt},
      {"%2", std::nullopt}, {"ab%2", std::nullopt}, {"%zz", std::nullopt}, {"%41%42", "AB"},
  };
  for (const Case& c : cases) EXPECT_EQ(PercentDecode(c.in), c.out) << c.in;
}

TEST(QueryStringTest, FindQueryParam) {
  EXPECT_EQ(FindQueryParam("key=attempt-1%2Fmesh%2F0", "key"), "attempt-1/mesh/0");
  EXPECT_EQ(FindQueryParam("x=1&key=v&key=w", "key"), "v") << "the first one";
  EXPECT_EQ(FindQueryParam("keys=v", "key"), std::nullopt);
  EXPECT_EQ(FindQueryParam("key", "key"), "");
  EXPECT_EQ(FindQueryParam("key=", "key"), "");
  EXPECT_EQ(FindQueryParam("", "key"), std::nullopt);
  EXPECT_EQ(FindQueryParam("key=%4", "key"), std::nullopt);
}

}  // namespace
}  // namespace trainyard
