// S3Options: how an S3ObjectStore reaches its server and moves bytes.
//
// Configuration comes in three layers, later ones winning: the defaults
// below, the standard AWS environment variables (S3OptionsFromEnvironment),
// and explicit settings such as flags or a config file (S3Settings).
// Credentials never mix layers: explicit credentials replace the whole set
// read from the environment (key, secret and session token).
//
// Memory: one PutFile of a large object holds at most `parallelism` x
// `part_size_bytes` of buffers (128 MiB with the defaults), a streamed PUT
// about 2 MiB whatever its size; GetFile holds no object bytes beyond
// libcurl's receive buffers.
// Plain values; thread-safe to copy and read.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"

namespace trainyard {

enum class S3AddressingStyle {
  // Path style for an explicit endpoint whose host is an IP address or
  // "localhost" (local servers such as s3rver and moto), and for bucket
  // names that cannot be a DNS label (dots, capitals, '_'); virtual-host
  // style otherwise.
  kAuto,
  kPath,     // http://host/bucket/key
  kVirtual,  // http://bucket.host/key
};

struct S3Options {
  // "http(s)://host[:port]" without a path. Empty: AWS's regional endpoint,
  // https://s3.<region>.amazonaws.com.
  std::string endpoint_url;
  std::string region = "us-east-1";  // also the SigV4 signing region
  // Empty access key: requests go unsigned (anonymous).
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // sent as x-amz-security-token when set
  S3AddressingStyle addressing_style = S3AddressingStyle::kAuto;
  // CA bundle for https; empty uses libcurl's default.
  std::string ca_file;
  // For servers that check SigV4 over the *decoded* query string (moto 5),
  // which refuses a correctly signed ListObjectsV2 whose prefix holds '/':
  // a List then asks for the prefix cut before its first '/' and filters
  // the rest here. Lists more keys than needed; never needed for AWS.
  bool list_without_slash = false;

  // Uploads: a file up to this size goes as one PUT streamed from the file
  // (never more than 5 GiB, S3's limit for one PUT); a larger one as a
  // multipart upload. One stream is fastest where the server is near and
  // re-assembles parts slowly (s3rver: ~3x); parallel parts are faster on
  // AWS for large objects. 200 MiB, as rclone's --s3-upload-cutoff (the AWS
  // CLI uses 8 MiB); see bench/checkpoint/README.md for measurements.
  int64_t multipart_threshold_bytes = 200 * 1024 * 1024;
  // Multipart uploads use parts of this size (raised for objects over 10,000
  // parts, S3's limit; S3 needs at least 5 MiB for every part but the last).
  // Downloads fetch this much in the first GET and the rest in ranged GETs
  // of this size.
  int64_t part_size_bytes = 16 * 1024 * 1024;
  int parallelism = 8;  // parts in flight per PutFile/GetFile

  // Each HTTP request is tried at most this often on transient failures
  // (5xx, SlowDown, RequestTimeout, timeouts, refused connections), waiting
  // a random time in [0, min(cap, base * 2^retry)] before a retry.
  int max_attempts = 5;
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_cap{20'000};

  std::chrono::milliseconds connect_timeout{10'000};
  // A transfer slower than the limit for the whole time is abandoned (and
  // retried).
  int64_t low_speed_limit_bytes_per_s = 1024;
  std::chrono::seconds low_speed_time{30};
};

// OK if the options can make a store: a parseable endpoint, a region, a
// secret with every access key, part size >= 1, multipart threshold >= 0,
// parallelism >= 1,
// max_attempts >= 1, non-negative times. kInvalidArgument otherwise.
Status ValidateS3Options(const S3Options& options);

// Settings given explicitly (flags, config files); each one set overrides
// the environment.
struct S3Settings {
  std::optional<std::string> endpoint_url;
  std::optional<std::string> region;
  // Setting the access key replaces all three credential fields (an unset
  // secret or token then means empty).
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<std::string> session_token;
};

// Looks up one environment variable; nullopt when unset. Empty values are
// treated as unset by the readers below.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (getenv), for composition roots.
EnvironmentLookup ProcessEnvironment();

// `base` with the standard variables applied, then `explicit_settings`:
//   AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL   -> endpoint_url
//   AWS_REGION, else AWS_DEFAULT_REGION          -> region
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (read as a
//     set only when AWS_ACCESS_KEY_ID is present)
//   AWS_CA_BUNDLE                                -> ca_file
//   TRAINYARD_S3_ADDRESSING_STYLE (auto|path|virtual; others are ignored)
//                                                -> addressing_style
//   TRAINYARD_S3_LIST_WITHOUT_SLASH (1|true)     -> list_without_slash
// Tuning fields come from `base` only.
S3Options S3OptionsFromEnvironment(const EnvironmentLookup& lookup,
                                   const S3Settings& explicit_settings = {},
                                   S3Options base = {});

}  // namespace trainyard
