// Real S3 servers for tests (tests only): s3rver and moto_server, started
// once per CTest run by the fixture "s3servers" (tests/s3/s3_servers.py),
// which writes their endpoints and keys to the JSON file named by the
// environment variable TRAINYARD_TEST_S3_CONFIG. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "storage/s3_options.h"

namespace trainyard::storage_testing {

inline constexpr char kS3ConfigVariable[] = "TRAINYARD_TEST_S3_CONFIG";

struct S3TestServer {
  std::string name;  // "s3rver" or "moto"
  std::string endpoint_url;
  std::string region;
  std::string access_key_id;
  std::string secret_access_key;
  std::string bucket;  // made by the fixture, shared by all tests
  bool verifies_signatures = false;
};

// The server called `name`; nullopt when TRAINYARD_TEST_S3_CONFIG is unset
// (the test binary run by hand: S3 tests skip). A set variable naming a
// missing or malformed file, or a file without that server, fails the
// current test (ADD_FAILURE) and gives nullopt.
std::optional<S3TestServer> FindS3TestServer(const std::string& name);

// Options for `server`: its endpoint and keys, 5 MiB parts (S3's minimum,
// so that a 20 MiB object is a multipart upload and a parallel download)
// and 4 parts in flight.
S3Options TestS3Options(const S3TestServer& server);

// A name no other test uses in this run: "t-<pid>-<counter>-<random hex>",
// lowercase, at most 40 characters, usable as a bucket name or key prefix.
std::string UniqueTestName();

}  // namespace trainyard::storage_testing
