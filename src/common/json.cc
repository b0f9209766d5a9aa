#include "common/json.h"

namespace trainyard {
namespace {

// Deepest nesting of arrays/objects, ignoring brackets inside strings.
// Stops counting once past `limit`.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c == '}' || c == ']') --depth;
  }
  return deepest;
}

}  // namespace

Result<Json> ParseJson(std::string_view text, const JsonParseOptions& options) {
  if (NestingDepth(text, options.max_depth) > options.max_depth) {
    return MakeError(ErrorCode::kSerialization,
                     "JSON nesting exceeds " + std::to_string(options.max_depth) + " levels");
  }
  Json value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    // Re-parse with exceptions to get the parser's message (cheap: error path only).
    try {
      (void)Json::parse(text.begin(), text.end());
    } catch (const Json::exception& e) {
      return MakeError(ErrorCode::kSerialization, std::string("malformed JSON: ") + e.what());
    }
    return MakeError(ErrorCode::kSerialization, "malformed JSON");
  }
  if (options.require_object && !value.is_object()) {
    return MakeError(ErrorCode::kSerialization, "request body must be a JSON object");
  }
  return value;
}

void DropNullMembers(Json& value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end();) {
      if (it->is_null()) {
        it = value.erase(it);
      } else {
        DropNullMembers(*it);
        ++it;
      }
    }
  } else if (value.is_array()) {
    for (Json& item : value) DropNullMembers(item);
  }
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string GetString(const Json& object, std::string_view key, std::string fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

std::optional<int64_t> GetInt(const Json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

}  // namespace trainyard
