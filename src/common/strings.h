// Small ASCII text helpers (no locale, no allocation) for parsers of
// protocol text: headers, INI files, query strings.
#pragma once

#include <string_view>

namespace trainyard {

inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
inline char ToUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

// Splits off the text before the first `sep` (all of it when there is none).
inline std::string_view NextField(std::string_view* rest, char sep) {
  size_t pos = rest->find(sep);
  std::string_view field = rest->substr(0, pos);
  rest->remove_prefix(pos == std::string_view::npos ? rest->size() : pos + 1);
  return field;
}

}  // namespace trainyard
