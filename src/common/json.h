// JSON values (nlohmann::json) and a safe parser for untrusted input.
//
// ParseJson never throws: malformed text, invalid UTF-8, nesting deeper than
// max_depth or a non-object top level (when required) come back as
// ErrorCode::kSerialization with a message fit for the client.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace trainyard {

using Json = nlohmann::json;

struct JsonParseOptions {
  int max_depth = 64;          // objects/arrays nested deeper are refused
  bool require_object = true;  // the top level must be a JSON object
};

Result<Json> ParseJson(std::string_view text, const JsonParseOptions& options = {});

// Removes object members whose value is null, at every depth: for the API a
// null member means the same as an absent one (as botocore treats them).
void DropNullMembers(Json& value);

// Serialises without throwing: invalid UTF-8 in strings is replaced.
std::string DumpJson(const Json& value);

// Typed, non-throwing lookups for values already validated elsewhere.
std::string GetString(const Json& object, std::string_view key, std::string fallback = "");
std::optional<int64_t> GetInt(const Json& object, std::string_view key);

}  // namespace trainyard
