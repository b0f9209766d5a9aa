#include "sigv4_signer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/json.h"

namespace trainyard::bench {
namespace {

// botocore's signatures, recorded by tools/make_sigv4_fixtures.py.
Json BotocoreCases() {
  const char* root = std::getenv("TRAINYARD_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/tests/data/sigv4_botocore.json");
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str(), nullptr, false);
}

std::string Header(const Json& c, std::string_view name) {
  for (const Json& h : c["headers"]) {
    if (h[0].get<std::string>() == name) return h[1].get<std::string>();
  }
  return "";
}

TEST(Json11SignerTest, MatchesBotocoreOnEveryPlainJson11Case) {
  Json data = BotocoreCases();
  ASSERT_TRUE(data.is_object())
      << "tests/data/sigv4_botocore.json not found; set TRAINYARD_SOURCE_DIR";
  int checked = 0;
  for (const Json& c : data["cases"]) {
    std::string authorization = Header(c, "Authorization");
    bool plain = authorization.find("SignedHeaders=content-type;host;x-amz-date;x-amz-target,") !=
                     std::string::npos ||
                 authorization.find(
                     "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;"
                     "x-amz-target,") != std::string::npos;
    if (c["method"] != "POST" || c["path"] != "/" || !plain) continue;
    Json11Signer signer({c["akid"], c["secret"], c["token"]}, c["region"], c["service"]);
    Json11Signature signature = signer.Sign(Header(c, "Host"), Header(c, "X-Amz-Target"),
                                            c["body"].get<std::string>(), c["epoch_seconds"]);
    EXPECT_EQ(signature.amz_date, Header(c, "X-Amz-Date")) << c["name"];
    EXPECT_EQ(signature.authorization, authorization) << c["name"];
    ++checked;
  }
  EXPECT_GE(checked, 5);  // describe, create, empty list, session token, unicode, other region
}

TEST(Json11SignerTest, SigningKeyFollowsTheDay) {
  Json11Signer signer({"AKID", "secret", ""}, "us-east-1", "sagemaker");
  Json11Signer fresh({"AKID", "secret", ""}, "us-east-1", "sagemaker");
  const int64_t day1 = 1795801139, day2 = day1 + 86400;
  signer.Sign("h:1", "SageMaker.X", "{}", day1);
  EXPECT_EQ(signer.Sign("h:1", "SageMaker.X", "{}", day2).authorization,
            fresh.Sign("h:1", "SageMaker.X", "{}", day2).authorization);
}

TEST(AmzDateTest, FormatsUtc) { EXPECT_EQ(AmzDate(1795801139), "20261127T173859Z"); }

}  // namespace
}  // namespace trainyard::bench
