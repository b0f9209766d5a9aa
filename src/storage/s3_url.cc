#include "storage/s3_url.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "common/strings.h"

namespace trainyard {
namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

Error BadEndpoint(std::string_view url, std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "invalid S3 endpoint URL \"" + std::string(url) + "\": " + std::string(why));
}

bool IsIpLiteral(const std::string& host) {
  unsigned char buffer[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buffer) == 1;
  }
  return inet_pton(AF_INET, host.c_str(), buffer) == 1;
}

bool UsePathStyle(const S3Options& options, const S3Endpoint& endpoint, std::string_view bucket) {
  switch (options.addressing_style) {
    case S3AddressingStyle::kPath:
      return true;
    case S3AddressingStyle::kVirtual:
      return false;
    case S3AddressingStyle::kAuto:
      break;
  }
  if (!options.endpoint_url.empty() && endpoint.host_is_local_or_ip) return true;
  return !IsDnsCompatibleBucket(bucket);
}

}  // namespace

Result<S3Endpoint> ParseS3Endpoint(std::string_view url) {
  S3Endpoint endpoint;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return BadEndpoint(url, "expected http:// or https://");
  std::string_view scheme = url.substr(0, scheme_end);
  if (EqualsIgnoreCase(scheme, "http")) {
    endpoint.scheme = "http";
  } else if (EqualsIgnoreCase(scheme, "https")) {
    endpoint.scheme = "https";
  } else {
    return BadEndpoint(url, "the scheme must be http or https");
  }
  std::string_view authority = url.substr(scheme_end + 3);
  if (authority.ends_with('/')) authority.remove_suffix(1);
  if (authority.find_first_of("/?#@ ") != std::string_view::npos) {
    return BadEndpoint(url, "only scheme://host[:port] is supported (no path, query or user)");
  }
  size_t port_colon = authority.rfind(':');
  if (port_colon != std::string_view::npos && authority.find(']', port_colon) == std::string_view::npos) {
    std::string_view port_text = authority.substr(port_colon + 1);
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), endpoint.port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || endpoint.port < 1 ||
        endpoint.port > 65535) {
      return BadEndpoint(url, "bad port");
    }
    authority = authority.substr(0, port_colon);
  }
  if (authority.empty()) return BadEndpoint(url, "no host");
  endpoint.host = std::string(authority);
  endpoint.host_is_local_or_ip = EqualsIgnoreCase(endpoint.host, "localhost") || IsIpLiteral(endpoint.host);
  return endpoint;
}

std::string S3UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      unsigned char byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  return out;
}

std::string CanonicalQueryString(const S3Query& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(S3UriEncode(name, false), S3UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

bool IsDnsCompatibleBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '-')) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

Result<S3BucketAddress> S3BucketAddress::Create(const S3Options& options, std::string bucket) {
  if (bucket.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty S3 bucket name");
  std::string url = options.endpoint_url.empty()
                        ? "https://s3." + options.region + ".amazonaws.com"
                        : options.endpoint_url;
  TY_ASSIGN_OR_RETURN(S3Endpoint endpoint, ParseS3Endpoint(url));
  bool path_style = UsePathStyle(options, endpoint, bucket);
  std::string port = endpoint.port == 0 ? "" : ":" + std::to_string(endpoint.port);
  std::string host = path_style ? endpoint.host : bucket + "." + endpoint.host;
  return S3BucketAddress(endpoint.scheme + "://" + host + port, std::move(bucket), path_style);
}

std::string S3BucketAddress::Url(std::string_view key, const S3Query& query) const {
  std::string url = base_ + "/";
  if (path_style_) {
    url += S3UriEncode(bucket_, false);
    if (!key.empty()) url += "/";
  }
  url += S3UriEncode(key, true);
  if (!query.empty()) url += "?" + CanonicalQueryString(query);
  return url;
}

std::string S3BucketAddress::CopySource(std::string_view key) const {
  return "/" + S3UriEncode(bucket_, false) + "/" + S3UriEncode(key, true);
}

}  // namespace trainyard
