#include "storage/object_store.h"

namespace trainyard {
namespace {

constexpr size_t kMaxKeyBytes = 1024;

Error BadKey(std::string_view what, std::string_view key, std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "invalid object " + std::string(what) + " \"" + std::string(key) + "\": " +
                       std::string(why));
}

// Checks every '/'-separated segment of the non-empty `path`.
Status CheckSegments(std::string_view what, std::string_view original, std::string_view path) {
  size_t start = 0;
  while (true) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment.empty()) return BadKey(what, original, "empty segment (\"//\")");
    if (segment == "." || segment == "..") {
      return BadKey(what, original, "\".\" and \"..\" segments are not allowed");
    }
    if (end == path.size()) return Ok();
    start = end + 1;
  }
}

Status CheckCommon(std::string_view what, std::string_view key) {
  if (key.size() > kMaxKeyBytes) return BadKey(what, key.substr(0, 64), "longer than 1024 bytes");
  if (key.find('\0') != std::string_view::npos) return BadKey(what, key, "contains NUL");
  if (!key.empty() && key.front() == '/') return BadKey(what, key, "must be relative (no leading '/')");
  return Ok();
}

}  // namespace

Result<bool> ObjectStore::Exists(std::string_view key) {
  Result<ObjectInfo> info = Head(key);
  if (info.ok()) return true;
  if (info.error().code == ErrorCode::kNotFound) return false;
  return info.error();
}

Status ValidateObjectKey(std::string_view key) {
  if (key.empty()) return BadKey("key", key, "empty");
  TY_RETURN_IF_ERROR(CheckCommon("key", key));
  if (key.back() == '/') return BadKey("key", key, "must not end with '/'");
  return CheckSegments("key", key, key);
}

Status ValidateListPrefix(std::string_view prefix) {
  TY_RETURN_IF_ERROR(CheckCommon("prefix", prefix));
  size_t last_slash = prefix.rfind('/');
  if (last_slash == std::string_view::npos) return Ok();
  return CheckSegments("prefix", prefix, prefix.substr(0, last_slash));
}

}  // namespace trainyard
