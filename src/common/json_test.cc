#include "common/json.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(ParseJsonTest, RefusesWhatClientsMustNotSend) {
  struct Case {
    std::string text;
    const char* why;
  } cases[] = {
      {"{not json", "malformed"},
      {"{\"a\": \"\xff\xfe\"}", "invalid UTF-8"},
      {std::string(100, '[') + std::string(100, ']'), "nested deeper than the limit"},
      {"[1, 2]", "not an object"},
      {"", "empty"},
  };
  for (const Case& c : cases) {
    Result<Json> parsed = ParseJson(c.text);
    ASSERT_FALSE(parsed.ok()) << c.why;
    EXPECT_EQ(parsed.error().code, ErrorCode::kSerialization) << c.why;
  }
}

TEST(ParseJsonTest, DepthCountsOnlyRealBrackets) {
  std::string deep_in_string = "{\"a\": \"" + std::string(200, '[') + "\"}";
  EXPECT_TRUE(ParseJson(deep_in_string).ok());
  std::string at_limit = std::string(3, '[') + std::string(3, ']');
  EXPECT_TRUE(ParseJson(at_limit, {.max_depth = 3, .require_object = false}).ok());
  EXPECT_FALSE(ParseJson("[" + at_limit + "]", {.max_depth = 3, .require_object = false}).ok());
}

TEST(DropNullMembersTest, NullMembersVanishAtEveryDepth) {
  Json value = Json::parse(R"({"a": null, "b": {"c": null, "d": 1}, "e": [{"f": null}, null]})");
  DropNullMembers(value);
  EXPECT_EQ(value, Json::parse(R"({"b": {"d": 1}, "e": [{}, null]})"));
}

}  // namespace
}  // namespace trainyard
