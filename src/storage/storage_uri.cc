#include "storage/storage_uri.h"

#include <algorithm>
#include <cctype>

namespace trainyard {
namespace {

Error Invalid(std::string_view uri, std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "invalid storage URI \"" + std::string(uri) + "\": " + std::string(why));
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

// Checks '/'-separated segments: none empty, none "." or "..".
Status CheckSegments(std::string_view uri, std::string_view path) {
  if (path.empty()) return Ok();
  size_t start = 0;
  while (true) {
    size_t end = path.find('/', start);
    std::string_view segment = path.substr(start, end == std::string_view::npos ? end : end - start);
    if (segment.empty()) return Invalid(uri, "empty path segment (\"//\")");
    if (segment == "." || segment == "..") {
      return Invalid(uri, "\"" + std::string(segment) + "\" path segments are not allowed");
    }
    if (end == std::string_view::npos) return Ok();
    start = end + 1;
  }
}

std::string_view StripTrailingSlash(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

bool IsBucketCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

Result<StorageUri> ParseS3(std::string_view uri, std::string_view rest) {
  size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) return Invalid(uri, "the bucket name is empty (expected s3://bucket/prefix)");
  if (bucket.size() > 63 || !std::all_of(bucket.begin(), bucket.end(), IsBucketCharacter)) {
    return Invalid(uri, "the bucket name must be 1-63 letters, digits, '.', '-' or '_'");
  }
  std::string_view prefix = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (slash != std::string_view::npos && prefix.empty() && rest.size() > slash + 1) {
    return Invalid(uri, "empty path segment (\"//\")");
  }
  TY_RETURN_IF_ERROR(CheckSegments(uri, prefix));
  return StorageUri{StorageScheme::kS3, std::string(bucket), std::string(prefix)};
}

Result<StorageUri> ParseFile(std::string_view uri, std::string_view rest) {
  if (StartsWithNoCase(rest, "localhost/")) rest.remove_prefix(std::string_view("localhost").size());
  if (rest.empty() || rest.front() != '/') {
    return Invalid(uri, "a file URI needs an absolute path (file:///abs/path); relative paths "
                        "and host names are not supported");
  }
  std::string_view path = StripTrailingSlash(rest);
  if (path != "/") TY_RETURN_IF_ERROR(CheckSegments(uri, path.substr(1)));
  return StorageUri{StorageScheme::kFile, "", std::string(path)};
}

}  // namespace

std::string StorageUri::ToString() const {
  if (scheme == StorageScheme::kFile) return "file://" + path;
  return path.empty() ? "s3://" + bucket : "s3://" + bucket + "/" + path;
}

Result<StorageUri> ParseStorageUri(std::string_view uri) {
  if (uri.find('\0') != std::string_view::npos || HasControlCharacter(uri)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid storage URI: it contains NUL or control characters");
  }
  if (StartsWithNoCase(uri, "s3://")) return ParseS3(uri, uri.substr(5));
  if (StartsWithNoCase(uri, "file://")) return ParseFile(uri, uri.substr(7));
  return Invalid(uri, "unsupported scheme; expected s3://bucket/prefix or file:///abs/path");
}

std::string JoinKey(std::string_view prefix, std::string_view name) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (prefix.empty()) return std::string(name);
  if (name.empty()) return std::string(prefix);
  std::string joined;
  joined.reserve(prefix.size() + 1 + name.size());
  joined.append(prefix).append("/").append(name);
  return joined;
}

}  // namespace trainyard
