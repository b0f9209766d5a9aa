#include "model/validation.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "model/generated/sagemaker_shapes.h"

namespace trainyard {
namespace {

namespace sm = sagemaker_shapes;
using sm::PatternDef;
using sm::PatternKind;
using sm::ShapeDef;
using sm::ShapeType;

// Values longer than this are never given to std::regex: libstdc++'s matcher
// recurses once per character and overflows the stack near 10,000. Every
// regex-matched shape in the model has a smaller max length, and a value over
// its max already fails the length constraint, so this only costs the extra
// pattern message Coral would add for such a value.
constexpr int64_t kRegexLengthCap = 2048;

// ---- UTF-8 ------------------------------------------------------------------

// Decodes the code point at s[i] and advances i past it. On an invalid or
// truncated sequence returns false (having advanced one byte).
bool DecodeUtf8(std::string_view s, size_t& i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int extra = 0;
  if (b0 < 0x80) {
    cp = b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    extra = 1, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3, cp = b0 & 0x07;
  } else {
    ++i;
    return false;
  }
  if (i + extra >= s.size()) {
    ++i;
    return false;
  }
  for (int k = 1; k <= extra; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return false;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += extra + 1;
  return true;
}

// Length as Coral counts it: in code points (continuation bytes don't count).
int64_t CodePointCount(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Whether a non-ASCII code point is in \p{L}, \p{Z} or \p{N}. An approximation
// without Unicode tables: Latin-1 and General Punctuation are classified
// exactly; combining marks, private use and the main symbol blocks (arrows,
// math operators, technical, box drawing, shapes, dingbats, emoji) are
// rejected; every other code point is taken to be a letter.
bool IsNonAsciiLetterNumberOrSeparator(char32_t cp) {
  if (cp < 0x100) {
    switch (cp) {
      case 0xA0:
      case 0xAA:
      case 0xB2:
      case 0xB3:
      case 0xB5:
      case 0xB9:
      case 0xBA:
      case 0xBC:
      case 0xBD:
      case 0xBE: return true;
      case 0xD7:
      case 0xF7: return false;
      default: return cp >= 0xC0;
    }
  }
  if (cp >= 0x2000 && cp <= 0x206F) {
    return cp <= 0x200A || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F;
  }
  if (cp >= 0x0300 && cp <= 0x036F) return false;    // combining diacritics
  if (cp >= 0x2190 && cp <= 0x245F) return false;    // arrows .. control pictures
  if (cp >= 0x2500 && cp <= 0x2BFF) return false;    // box drawing .. misc symbols
  if (cp >= 0xE000 && cp <= 0xF8FF) return false;    // private use
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;  // emoji and pictographs
  return cp <= 0x10FFFF;
}

// ---- Patterns ---------------------------------------------------------------

bool InSet(const sm::AsciiSet& set, unsigned char c) {
  if (c >= 128) return false;
  return c < 64 ? (set.lo >> c) & 1 : (set.hi >> (c - 64)) & 1;
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// [a-zA-Z0-9](-*[a-zA-Z0-9]){0,max_repeats}; max_repeats < 0: unbounded.
bool MatchHyphenatedName(std::string_view v, int32_t max_repeats) {
  if (v.empty() || !IsAsciiAlnum(v[0])) return false;
  int64_t repeats = 0;
  for (size_t i = 1; i < v.size();) {
    while (i < v.size() && v[i] == '-') ++i;
    if (i == v.size() || !IsAsciiAlnum(v[i])) return false;
    ++i;
    if (max_repeats >= 0 && ++repeats > max_repeats) return false;
  }
  return true;
}

// Java's '.' matches anything but \n, \r, U+0085, U+2028 and U+2029.
bool MatchSingleLine(std::string_view v, int min_chars) {
  if (static_cast<int>(v.size()) < min_chars) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c == '\n' || c == '\r') return false;
    if (c == 0xC2 && i + 1 < v.size() && static_cast<unsigned char>(v[i + 1]) == 0x85) return false;
    if (c == 0xE2 && i + 2 < v.size() && static_cast<unsigned char>(v[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(v[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(v[i + 2]) == 0xA9)) {
      return false;
    }
  }
  return true;
}

bool MatchCharClassRun(const PatternDef& p, std::string_view v) {
  size_t i = 0;
  int64_t rest_count = 0;
  bool first = true;
  while (i < v.size()) {
    const bool use_lead = first && p.has_lead;
    const sm::AsciiSet& set = use_lead ? p.lead : p.rest;
    const auto c = static_cast<unsigned char>(v[i]);
    if (c < 0x80) {
      if (!InSet(set, c)) return false;
      ++i;
    } else {
      char32_t cp = 0;
      if (!p.unicode_lzn || !DecodeUtf8(v, i, cp) || !IsNonAsciiLetterNumberOrSeparator(cp)) {
        return false;
      }
    }
    if (!use_lead) ++rest_count;
    first = false;
  }
  if (p.has_lead && first) return false;  // the lead character is mandatory
  return rest_count >= p.rest_min;
}

// Compiled once, on first use, for every kRegex pattern (immutable afterwards;
// the function-local static makes initialisation thread-safe).
const std::vector<std::optional<std::regex>>& CompiledRegexes() {
  static const std::vector<std::optional<std::regex>> compiled = [] {
    std::vector<std::optional<std::regex>> out;
    for (const PatternDef& p : sm::Patterns()) {
      if (p.kind != PatternKind::kRegex) {
        out.emplace_back();
        continue;
      }
      out.emplace_back(
          std::regex(std::string(p.ecmascript), std::regex::ECMAScript | std::regex::optimize));
    }
    return out;
  }();
  return compiled;
}

bool MatchesPattern(int16_t index, std::string_view v) {
  const PatternDef& p = sm::Patterns()[index];
  switch (p.kind) {
    case PatternKind::kAnything: return true;
    case PatternKind::kSingleLine: return MatchSingleLine(v, p.rest_min);
    case PatternKind::kHyphenatedName: return MatchHyphenatedName(v, p.repeat_max);
    case PatternKind::kCharClassRun: return MatchCharClassRun(p, v);
    case PatternKind::kRegex:
      if (p.must_not_end_with != '\0' && !v.empty() && v.back() == p.must_not_end_with)
        return false;
      return std::regex_match(v.begin(), v.end(), *CompiledRegexes()[index]);
  }
  return false;
}

// ---- Coral text -------------------------------------------------------------

// Appends `v` as Coral (Java toString) prints it: strings bare, lists as
// "[a, b]", maps and structures as "{k=v, k2=v2}".
void AppendValue(const Json& v, std::string& out) {
  switch (v.type()) {
    case Json::value_t::string: out += v.get_ref<const std::string&>(); return;
    case Json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ", ";
        AppendValue(v[i], out);
      }
      out += ']';
      return;
    }
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        if (!first) out += ", ";
        first = false;
        out += key;
        out += '=';
        AppendValue(item, out);
      }
      out += '}';
      return;
    }
    default: out += v.dump(); return;
  }
}

enum Failure : uint8_t { kEnumFailed = 1, kPatternFailed = 2, kMaxFailed = 4, kMinFailed = 8 };

bool IsNumeric(ShapeType t) {
  return t == ShapeType::kInteger || t == ShapeType::kLong || t == ShapeType::kFloat ||
         t == ShapeType::kDouble;
}

std::string EnumText(const ShapeDef& s) {
  std::string out = "Member must satisfy enum value set: [";
  for (uint16_t i = s.enum_begin; i < s.enum_end; ++i) {
    if (i != s.enum_begin) out += ", ";
    out += sm::EnumValues()[i];
  }
  return out + "]";
}

std::string BoundText(const ShapeDef& s, bool upper) {
  const char* what = IsNumeric(s.type) ? "value" : "length";
  return std::string("Member must have ") + what +
         (upper ? " less than or equal to " : " greater than or equal to ") +
         std::to_string(upper ? *s.max : *s.min);
}

std::string PatternText(const ShapeDef& s) {
  return "Member must satisfy regular expression pattern: " +
         std::string(sm::Patterns()[s.pattern].display);
}

// The texts of the constraints in `failed`, in the order Coral reports a
// member's separate violations (pattern before length, as observed).
std::vector<std::string> FailedTexts(const ShapeDef& s, uint8_t failed) {
  std::vector<std::string> out;
  if (failed & kEnumFailed) out.push_back(EnumText(s));
  if (failed & kPatternFailed) out.push_back(PatternText(s));
  if (failed & kMaxFailed) out.push_back(BoundText(s, true));
  if (failed & kMinFailed) out.push_back(BoundText(s, false));
  return out;
}

// "[<every constraint of s>]" as Coral lists them for list members and map
// keys/values: max, min, pattern, enum.
std::string AllConstraintsText(const ShapeDef& s, bool has_null) {
  std::vector<std::string> parts;
  if (s.max) parts.push_back(BoundText(s, true));
  if (s.min) parts.push_back(BoundText(s, false));
  if (s.pattern != sm::kNone) parts.push_back(PatternText(s));
  if (s.enum_begin != s.enum_end) parts.push_back(EnumText(s));
  if (has_null) parts.push_back("Member must not be null");
  std::string out = "[";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + "]";
}

bool IsScalar(ShapeType t) {
  return t != ShapeType::kStructure && t != ShapeType::kList && t != ShapeType::kMap;
}

std::string_view JsonTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "a list";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_float: return "a floating-point number";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    default: return "null";
  }
}

std::string_view ExpectedName(ShapeType t) {
  switch (t) {
    case ShapeType::kStructure: return "an object";
    case ShapeType::kMap: return "an object (map)";
    case ShapeType::kList: return "a list";
    case ShapeType::kString: return "a string";
    case ShapeType::kBlob: return "a base64 string";
    case ShapeType::kInteger: return "a 32-bit integer";
    case ShapeType::kLong: return "a 64-bit integer";
    case ShapeType::kFloat:
    case ShapeType::kDouble: return "a number";
    case ShapeType::kBoolean: return "a boolean";
    case ShapeType::kTimestamp: return "a number (epoch seconds)";
  }
  return "a value";
}

// ---- Scalars ----------------------------------------------------------------

// Whether v has the JSON type the scalar shape s needs (integers in range).
bool CheckScalarType(const Json& v, const ShapeDef& s) {
  switch (s.type) {
    case ShapeType::kString:
    case ShapeType::kBlob: return v.is_string();
    case ShapeType::kBoolean: return v.is_boolean();
    case ShapeType::kFloat:
    case ShapeType::kDouble:
    case ShapeType::kTimestamp: return v.is_number();
    case ShapeType::kLong:
      return v.is_number_integer() &&
             (!v.is_number_unsigned() || v.get<uint64_t>() <= uint64_t{INT64_MAX});
    case ShapeType::kInteger: {
      if (!v.is_number_integer()) return false;
      if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t{INT32_MAX};
      const int64_t n = v.get<int64_t>();
      return n >= std::numeric_limits<int32_t>::min() && n <= std::numeric_limits<int32_t>::max();
    }
    default: return false;
  }
}

// Which of s's constraints the string `text` fails.
uint8_t StringFailures(std::string_view text, const ShapeDef& s) {
  uint8_t failed = 0;
  if (s.enum_begin != s.enum_end) {
    bool found = false;
    for (uint16_t i = s.enum_begin; i < s.enum_end && !found; ++i)
      found = sm::EnumValues()[i] == text;
    if (!found) failed |= kEnumFailed;
  }
  const int64_t length = CodePointCount(text);
  if (s.max && length > *s.max) failed |= kMaxFailed;
  if (s.min && length < *s.min) failed |= kMinFailed;
  if (s.pattern != sm::kNone) {
    const bool too_long_for_regex = sm::Patterns()[s.pattern].kind == PatternKind::kRegex &&
                                    length > s.max.value_or(kRegexLengthCap);
    if (!too_long_for_regex && !MatchesPattern(s.pattern, text)) failed |= kPatternFailed;
  }
  return failed;
}

// Which of s's constraints the (type-checked) scalar v fails.
uint8_t ScalarFailures(const Json& v, const ShapeDef& s) {
  uint8_t failed = 0;
  switch (s.type) {
    case ShapeType::kString: return StringFailures(v.get_ref<const std::string&>(), s);
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      const int64_t n = v.get<int64_t>();
      if (s.max && n > *s.max) failed |= kMaxFailed;
      if (s.min && n < *s.min) failed |= kMinFailed;
      return failed;
    }
    case ShapeType::kFloat:
    case ShapeType::kDouble: {
      const double d = v.get<double>();
      if (s.max && d > static_cast<double>(*s.max)) failed |= kMaxFailed;
      if (s.min && d < static_cast<double>(*s.min)) failed |= kMinFailed;
      return failed;
    }
    default: return failed;
  }
}

// ---- The walk ---------------------------------------------------------------

// Walks one request against the shape tables, collecting Coral violations, or
// stopping at the first value of the wrong JSON type (a serialization error,
// which Coral reports before any constraint).
class RequestWalker {
 public:
  // Returns false after a type mismatch; serialization_error() says where.
  bool Visit(const Json& v, int16_t shape_index);

  const std::vector<std::string>& violations() const { return violations_; }
  const std::string& serialization_error() const { return serialization_error_; }

 private:
  bool VisitStructure(const Json& v, const ShapeDef& s);
  bool VisitList(const Json& v, const ShapeDef& s);
  bool VisitMap(const Json& v, const ShapeDef& s);
  void CheckSize(const Json& v, const ShapeDef& s);
  void AddViolation(const Json* v, std::string_view constraint);
  bool TypeMismatch(const Json& v, const ShapeDef& s);

  std::string path_;  // Coral member path of the value being visited
  std::vector<std::string> violations_;
  std::string serialization_error_;
};

void RequestWalker::AddViolation(const Json* v, std::string_view constraint) {
  std::string text = "Value ";
  if (v == nullptr || v->is_null()) {
    text += "null";
  } else {
    text += '\'';
    AppendValue(*v, text);
    text += '\'';
  }
  text += " at '" + path_ + "' failed to satisfy constraint: ";
  text += constraint;
  violations_.push_back(std::move(text));
}

bool RequestWalker::TypeMismatch(const Json& v, const ShapeDef& s) {
  serialization_error_ = path_.empty() ? "request body must be a JSON object"
                                       : "cannot deserialize '" + path_ + "': expected " +
                                             std::string(ExpectedName(s.type)) + ", found " +
                                             std::string(JsonTypeName(v));
  return false;
}

bool RequestWalker::Visit(const Json& v, int16_t shape_index) {
  const ShapeDef& s = sm::Shapes()[shape_index];
  switch (s.type) {
    case ShapeType::kStructure: return VisitStructure(v, s);
    case ShapeType::kList: return VisitList(v, s);
    case ShapeType::kMap: return VisitMap(v, s);
    default: break;
  }
  if (!CheckScalarType(v, s)) return TypeMismatch(v, s);
  if (const uint8_t failed = ScalarFailures(v, s); failed != 0) {
    for (const std::string& text : FailedTexts(s, failed)) AddViolation(&v, text);
  }
  return true;
}

bool RequestWalker::VisitStructure(const Json& v, const ShapeDef& s) {
  if (!v.is_object()) return TypeMismatch(v, s);
  const size_t base = path_.size();
  for (uint16_t m = s.member_begin; m < s.member_end; ++m) {
    const sm::MemberDef& member = sm::Members()[m];
    if (base != 0) path_ += '.';
    path_ += member.path_name;
    auto it = v.find(member.name);
    if (it == v.end() || it->is_null()) {
      if (member.required) AddViolation(nullptr, "Member must not be null");
    } else if (!Visit(*it, member.shape)) {
      return false;
    }
    path_.resize(base);
  }
  return true;
}

void RequestWalker::CheckSize(const Json& v, const ShapeDef& s) {
  const auto size = static_cast<int64_t>(v.size());
  if (s.max && size > *s.max) AddViolation(&v, BoundText(s, true));
  if (s.min && size < *s.min) AddViolation(&v, BoundText(s, false));
}

// Lists of scalars get one violation for the whole list, naming every
// constraint of the member shape; lists of structures are walked with
// Coral's "<list>.<1-based index>.member" paths.
bool RequestWalker::VisitList(const Json& v, const ShapeDef& s) {
  if (!v.is_array()) return TypeMismatch(v, s);
  CheckSize(v, s);
  const ShapeDef& element = sm::Shapes()[s.element];
  const size_t base = path_.size();
  bool any_failed = false, any_null = false;
  for (size_t i = 0; i < v.size(); ++i) {
    const Json& item = v[i];
    const bool scalar = IsScalar(element.type);
    if (scalar && item.is_null()) {
      any_null = true;
    } else if (scalar && CheckScalarType(item, element)) {
      any_failed |= ScalarFailures(item, element) != 0;
    } else {
      path_ += '.' + std::to_string(i + 1) + ".member";
      if (scalar) return TypeMismatch(item, element);
      if (item.is_null()) {
        AddViolation(nullptr, "Member must not be null");
      } else if (!Visit(item, s.element)) {
        return false;
      }
      path_.resize(base);
    }
  }
  if (any_failed || any_null) {
    AddViolation(&v, "Member must satisfy constraint: " + AllConstraintsText(element, any_null));
  }
  return true;
}

// Maps report at the map's own path: "Map keys must satisfy constraint: [...]"
// and "Map value must satisfy constraint: [...]", each once. (Every map in the
// model has scalar values; a structured value would be walked at
// "<map>.<key>".)
bool RequestWalker::VisitMap(const Json& v, const ShapeDef& s) {
  if (!v.is_object()) return TypeMismatch(v, s);
  CheckSize(v, s);
  const ShapeDef& key_shape = sm::Shapes()[s.key];
  const ShapeDef& value_shape = sm::Shapes()[s.element];
  const size_t base = path_.size();
  bool key_failed = false, value_failed = false, value_null = false;
  for (const auto& [key, item] : v.items()) {
    key_failed |= StringFailures(key, key_shape) != 0;
    if (item.is_null()) {
      value_null = true;
    } else if (IsScalar(value_shape.type) && CheckScalarType(item, value_shape)) {
      value_failed |= ScalarFailures(item, value_shape) != 0;
    } else {
      path_ += '.' + key;
      if (IsScalar(value_shape.type)) return TypeMismatch(item, value_shape);
      if (!Visit(item, s.element)) return false;
      path_.resize(base);
    }
  }
  if (key_failed) {
    AddViolation(&v, "Map keys must satisfy constraint: " + AllConstraintsText(key_shape, false));
  }
  if (value_failed || value_null) {
    AddViolation(
        &v, "Map value must satisfy constraint: " + AllConstraintsText(value_shape, value_null));
  }
  return true;
}

std::string JoinViolations(const std::vector<std::string>& violations) {
  std::string out =
      std::to_string(violations.size()) +
      (violations.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < violations.size(); ++i) {
    if (i) out += "; ";
    out += violations[i];
  }
  return out;
}

}  // namespace

Status ValidateRequest(std::string_view operation, const Json& request) {
  int16_t input = sm::kNone;
  for (const sm::OperationDef& op : sm::Operations()) {
    if (op.name == operation) input = op.input;
  }
  if (input == sm::kNone) {
    return MakeError(ErrorCode::kUnknownOperation,
                     "operation " + std::string(operation) + " is not supported");
  }
  RequestWalker walker;
  if (!walker.Visit(request, input)) {
    return MakeError(ErrorCode::kSerialization, walker.serialization_error());
  }
  if (!walker.violations().empty()) {
    return MakeError(ErrorCode::kInvalidArgument, JoinViolations(walker.violations()));
  }
  return Ok();
}

}  // namespace trainyard
