#include "storage/s3_options.h"

#include <gtest/gtest.h>

#include <map>

namespace trainyard {
namespace {

EnvironmentLookup Env(std::map<std::string, std::string> variables) {
  return [variables](const std::string& name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

TEST(S3OptionsTest, DefaultsAreValidAndDocumented) {
  S3Options options;
  EXPECT_TRUE(ValidateS3Options(options).ok());
  EXPECT_EQ(options.endpoint_url, "");
  EXPECT_EQ(options.region, "us-east-1");
  EXPECT_EQ(options.part_size_bytes, 16 * 1024 * 1024);
  EXPECT_EQ(options.multipart_threshold_bytes, 200 * 1024 * 1024);
  EXPECT_EQ(options.parallelism, 8);
  EXPECT_EQ(options.addressing_style, S3AddressingStyle::kAuto);
}

TEST(S3OptionsTest, ReadsTheStandardVariables) {
  S3Options options = S3OptionsFromEnvironment(Env({{"AWS_ENDPOINT_URL", "http://127.0.0.1:9000"},
                                                    {"AWS_REGION", "eu-west-1"},
                                                    {"AWS_DEFAULT_REGION", "us-west-2"},
                                                    {"AWS_ACCESS_KEY_ID", "AKID"},
                                                    {"AWS_SECRET_ACCESS_KEY", "secret"},
                                                    {"AWS_SESSION_TOKEN", "token"},
                                                    {"AWS_CA_BUNDLE", "/ca.pem"}}));
  EXPECT_EQ(options.endpoint_url, "http://127.0.0.1:9000");
  EXPECT_EQ(options.region, "eu-west-1");
  EXPECT_EQ(options.access_key_id, "AKID");
  EXPECT_EQ(options.secret_access_key, "secret");
  EXPECT_EQ(options.session_token, "token");
  EXPECT_EQ(options.ca_file, "/ca.pem");
}

TEST(S3OptionsTest, ReadsTrainyardsOwnVariables) {
  S3Options options = S3OptionsFromEnvironment(
      Env({{"TRAINYARD_S3_ADDRESSING_STYLE", "path"}, {"TRAINYARD_S3_LIST_WITHOUT_SLASH", "1"}}));
  EXPECT_EQ(options.addressing_style, S3AddressingStyle::kPath);
  EXPECT_TRUE(options.list_without_slash);
  options = S3OptionsFromEnvironment(Env({{"TRAINYARD_S3_ADDRESSING_STYLE", "virtual"}}));
  EXPECT_EQ(options.addressing_style, S3AddressingStyle::kVirtual);
  EXPECT_FALSE(options.list_without_slash);
  options = S3OptionsFromEnvironment(Env({{"TRAINYARD_S3_ADDRESSING_STYLE", "sideways"}}));
  EXPECT_EQ(options.addressing_style, S3AddressingStyle::kAuto);
}

TEST(S3OptionsTest, TheS3SpecificEndpointAndTheDefaultRegionAreFallbacksInTheRightOrder) {
  S3Options options = S3OptionsFromEnvironment(Env({{"AWS_ENDPOINT_URL", "http://generic:1"},
                                                    {"AWS_ENDPOINT_URL_S3", "http://s3-only:2"},
                                                    {"AWS_REGION", ""},
                                                    {"AWS_DEFAULT_REGION", "ap-south-1"}}));
  EXPECT_EQ(options.endpoint_url, "http://s3-only:2");
  EXPECT_EQ(options.region, "ap-south-1") << "an empty AWS_REGION counts as unset";
}

TEST(S3OptionsTest, ExplicitSettingsWinAndCredentialsNeverMix) {
  S3Settings settings;
  settings.endpoint_url = "http://explicit:3";
  settings.access_key_id = "EXPLICIT";
  settings.secret_access_key = "explicit-secret";
  S3Options base;
  base.part_size_bytes = 5 << 20;
  base.multipart_threshold_bytes = 7 << 20;
  S3Options options = S3OptionsFromEnvironment(
      Env({{"AWS_ENDPOINT_URL", "http://env:1"}, {"AWS_ACCESS_KEY_ID", "ENV"},
           {"AWS_SECRET_ACCESS_KEY", "env-secret"}, {"AWS_SESSION_TOKEN", "env-token"},
           {"AWS_REGION", "eu-central-1"}}),
      settings, base);
  EXPECT_EQ(options.endpoint_url, "http://explicit:3");
  EXPECT_EQ(options.access_key_id, "EXPLICIT");
  EXPECT_EQ(options.secret_access_key, "explicit-secret");
  EXPECT_EQ(options.session_token, "") << "the environment's token belongs to the environment's key";
  EXPECT_EQ(options.region, "eu-central-1");
  EXPECT_EQ(options.part_size_bytes, 5 << 20) << "tuning comes from the base options";
  EXPECT_EQ(options.multipart_threshold_bytes, 7 << 20) << "tuning comes from the base options";
}

TEST(S3OptionsTest, ValidationRefusesWhatCannotWork) {
  auto invalid = [](auto change) {
    S3Options options;
    change(options);
    Status status = ValidateS3Options(options);
    return !status.ok() && status.error().code == ErrorCode::kInvalidArgument;
  };
  EXPECT_TRUE(invalid([](S3Options& o) { o.endpoint_url = "s3.example.com"; }));
  EXPECT_TRUE(invalid([](S3Options& o) { o.endpoint_url = "http://host/path"; }));
  EXPECT_TRUE(invalid([](S3Options& o) { o.region = ""; }));
  EXPECT_TRUE(invalid([](S3Options& o) { o.access_key_id = "AKID"; }));
  EXPECT_TRUE(invalid([](S3Options& o) { o.part_size_bytes = 0; }));
  EXPECT_TRUE(invalid([](S3Options& o) { o.multipart_threshold_bytes = -1; }));
  EXPECT_TRUE(invalid([](S3Options& o) { o.parallelism = 0; }));
  EXPECT_TRUE(invalid([](S3Options& o) { o.max_attempts = 0; }));
  EXPECT_TRUE(invalid([](S3Options& o) { o.backoff_base = std::chrono::milliseconds(-1); }));
}

}  // namespace
}  // namespace trainyard
