// Query strings of URLs: percent-encoding (RFC 3986) and looking up one
// parameter of a raw query string, for the agent API's ?key=... parameters.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trainyard {

// Encodes every byte except A-Z a-z 0-9 - . _ ~ as %XX (uppercase hex).
std::string PercentEncode(std::string_view bytes);

// Decodes %XX escapes (either case) and '+' as a space; nullopt when a '%'
// is not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view text);

// The decoded value of the first parameter called `name` in a raw query
// string such as "key=attempt-1%2Fmesh&x=1" (no leading '?'); "" for "name"
// or "name="; nullopt when absent or when its value is badly escaped.
std::optional<std::string> FindQueryParam(std::string_view query, std::string_view name);

}  // namespace trainyard
