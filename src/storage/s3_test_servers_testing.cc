#include "storage/s3_test_servers_testing.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "common/json.h"

namespace trainyard::storage_testing {

std::optional<S3TestServer> FindS3TestServer(const std::string& name) {
  const char* path = std::getenv(kS3ConfigVariable);
  if (path == nullptr || *path == '\0') return std::nullopt;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  Result<Json> config = ParseJson(text.str());
  if (!in || !config.ok()) {
    ADD_FAILURE() << kS3ConfigVariable << "=" << path << " is not a readable S3 server config";
    return std::nullopt;
  }
  const Json& servers = (*config)["servers"];
  if (!servers.is_object() || !servers.contains(name) || !servers[name].is_object()) {
    ADD_FAILURE() << path << " has no server \"" << name << "\"";
    return std::nullopt;
  }
  const Json& entry = servers[name];
  S3TestServer server;
  server.name = name;
  server.endpoint_url = GetString(entry, "endpoint_url");
  server.region = GetString(entry, "region", "us-east-1");
  server.access_key_id = GetString(entry, "access_key_id");
  server.secret_access_key = GetString(entry, "secret_access_key");
  server.bucket = GetString(entry, "bucket");
  server.verifies_signatures = entry.value("verifies_signatures", false);
  return server;
}

S3Options TestS3Options(const S3TestServer& server) {
  S3Options options;
  options.endpoint_url = server.endpoint_url;
  options.region = server.region;
  options.access_key_id = server.access_key_id;
  options.secret_access_key = server.secret_access_key;
  options.part_size_bytes = 5 * 1024 * 1024;
  // The contract's 20 MiB object goes in parts, a 6 MiB one as a streamed PUT.
  options.multipart_threshold_bytes = 8 * 1024 * 1024;
  options.parallelism = 4;
  return options;
}

std::string UniqueTestName() {
  static std::atomic<int> counter{0};
  std::random_device random;
  char suffix[9];
  snprintf(suffix, sizeof suffix, "%08x", random());
  return "t-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" + suffix;
}

}  // namespace trainyard::storage_testing
