// Cutting UTF-8 text without splitting a character.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace trainyard {

// The length of the longest prefix of `text` that is at most `max_bytes` long
// and does not end inside a multi-byte UTF-8 sequence. Bytes that are not
// valid UTF-8 are treated as single characters, so a cut is always possible
// (a prefix is never shortened by more than 3 bytes).
size_t Utf8PrefixLength(std::string_view text, size_t max_bytes);

}  // namespace trainyard
