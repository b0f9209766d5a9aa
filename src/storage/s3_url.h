// Where an S3 request goes: endpoint parsing, path- or virtual-host-style
// addressing, and the percent-encoding SigV4 expects.
//
// libcurl's SigV4 (7.88) signs the path and query exactly as given, so the
// URLs built here are already canonical: keys percent-encoded except '/',
// query parameters percent-encoded (including '/') and sorted, every
// parameter written as "name=value" (also when the value is empty).
// Pure functions and immutable values; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "storage/s3_options.h"

namespace trainyard {

struct S3Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // as written; an IPv6 literal keeps its brackets
  int port = 0;        // 0: the scheme's default
  // Whether host is an IPv4/IPv6 literal or "localhost".
  bool host_is_local_or_ip = false;
};

// Parses "http(s)://host[:port][/]"; kInvalidArgument for anything else
// (another scheme, a path, user info, a query, a bad port).
Result<S3Endpoint> ParseS3Endpoint(std::string_view url);

// Percent-encodes every byte except A-Z a-z 0-9 - . _ ~ (and '/' when
// `keep_slash`), with uppercase hex, as SigV4's UriEncode.
std::string S3UriEncode(std::string_view text, bool keep_slash);

using S3Query = std::vector<std::pair<std::string, std::string>>;

// "a=1&b=&c=x%2Fy": names and values encoded, sorted by encoded name, then
// encoded value.
std::string CanonicalQueryString(const S3Query& query);

// URLs for one bucket on one endpoint.
class S3BucketAddress {
 public:
  // kInvalidArgument for a bad endpoint or an empty bucket.
  static Result<S3BucketAddress> Create(const S3Options& options, std::string bucket);

  // The URL of `key` (a full key in the bucket; empty for the bucket
  // itself) with `query` appended canonically.
  std::string Url(std::string_view key, const S3Query& query = {}) const;

  // The x-amz-copy-source value naming `key` in this bucket: "/bucket/key",
  // percent-encoded like a path.
  std::string CopySource(std::string_view key) const;

  const std::string& bucket() const { return bucket_; }
  bool path_style() const { return path_style_; }

 private:
  S3BucketAddress(std::string base, std::string bucket, bool path_style)
      : base_(std::move(base)), bucket_(std::move(bucket)), path_style_(path_style) {}

  std::string base_;  // "scheme://authority" the path is appended to
  std::string bucket_;
  bool path_style_;
};

// Whether `bucket` can be the first label of a virtual-host name: 3-63
// characters of a-z, 0-9 and '-', starting and ending with a letter or digit.
bool IsDnsCompatibleBucket(std::string_view bucket);

}  // namespace trainyard
