#include "agent/toolkit_values.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace trainyard {
namespace {

// The toolkit's SAGEMAKER_HYPERPARAMETERS (params.py).
constexpr std::string_view kToolkitParameters[] = {
    "sagemaker_program",          "sagemaker_submit_directory",
    "sagemaker_enable_cloudwatch_metrics", "sagemaker_region",
    "sagemaker_container_log_level", "sagemaker_job_name",
    "default_user_module_name",   "_tuning_objective_metric",
    "sagemaker_s3_output",
};

bool IsToolkitNamedParameter(std::string_view name) {
  return std::find(std::begin(kToolkitParameters), std::end(kToolkitParameters), name) !=
         std::end(kToolkitParameters);
}

std::string_view Trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// float.__repr__: the shortest digits that round-trip, positional for
// exponents -4 <= e < 16, otherwise d.ddde+XX; positional values keep ".0".
std::string PythonFloatRepr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // "-1.2345e-05"
  std::string sign;
  if (!sci.empty() && sci.front() == '-') {
    sign = "-";
    sci.remove_prefix(1);
  }
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+'), sci.data() + sci.size(), exponent);
  int decpt = exponent + 1;  // digits are 0.d1d2... * 10^decpt
  int ndigits = static_cast<int>(digits.size());
  std::string out = sign;
  if (decpt <= -4 || decpt > 16) {
    out += digits.substr(0, 1);
    if (ndigits > 1) out += "." + digits.substr(1);
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp_buf;
  }
  if (decpt <= 0) return out + "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
  if (decpt >= ndigits) {
    return out + digits + std::string(static_cast<size_t>(decpt - ndigits), '0') + ".0";
  }
  return out + digits.substr(0, static_cast<size_t>(decpt)) + "." +
         digits.substr(static_cast<size_t>(decpt));
}

// Decodes one UTF-8 character at s[i], advancing i; invalid bytes become
// U+FFFD.
uint32_t NextCodePoint(std::string_view s, size_t& i) {
  auto b = static_cast<unsigned char>(s[i++]);
  if (b < 0x80) return b;
  int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : -1;
  if (extra < 0 || i + static_cast<size_t>(extra) > s.size()) return 0xFFFD;
  uint32_t cp = b & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (c & 0x3F);
    ++i;
  }
  return cp;
}

void AppendHex(std::string& out, const char* format, uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, format, value);
  out += buf;
}

// repr(str): single quotes unless the text has a ' and no ".
std::string PythonStringRepr(std::string_view s) {
  char quote = (s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos)
                   ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    uint32_t cp = NextCodePoint(s, i);
    if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD) {
      AppendHex(out, "\\x%02x", cp);
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  out += quote;
  return out;
}

std::string PythonReprOrStr(const OrderedJson& v, bool repr);

std::string PythonContainer(const OrderedJson& v) {
  std::string out;
  bool first = true;
  if (v.is_array()) {
    out = "[";
    for (const auto& e : v) {
      if (!first) out += ", ";
      first = false;
      out += PythonReprOrStr(e, /*repr=*/true);
    }
    return out + "]";
  }
  out = "{";
  for (const auto& [k, e] : v.items()) {
    if (!first) out += ", ";
    first = false;
    out += PythonStringRepr(k) + ": " + PythonReprOrStr(e, /*repr=*/true);
  }
  return out + "}";
}

std::string PythonReprOrStr(const OrderedJson& v, bool repr) {
  switch (v.type()) {
    case OrderedJson::value_t::null: return "None";
    case OrderedJson::value_t::boolean: return v.get<bool>() ? "True" : "False";
    case OrderedJson::value_t::number_integer: return std::to_string(v.get<int64_t>());
    case OrderedJson::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
    case OrderedJson::value_t::number_float: return PythonFloatRepr(v.get<double>());
    case OrderedJson::value_t::string:
      return repr ? PythonStringRepr(v.get_ref<const std::string&>())
                  : v.get<std::string>();
    case OrderedJson::value_t::array:
    case OrderedJson::value_t::object: return PythonContainer(v);
    default: return "None";
  }
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = NextCodePoint(s, i);
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (cp >= 0x20 && cp < 0x7F) {
      out += static_cast<char>(cp);
    } else if (cp < 0x10000) {
      AppendHex(out, "\\u%04x", cp);
    } else {
      uint32_t v = cp - 0x10000;
      AppendHex(out, "\\u%04x", 0xD800 + (v >> 10));
      AppendHex(out, "\\u%04x", 0xDC00 + (v & 0x3FF));
    }
  }
  out += '"';
}

void AppendJson(std::string& out, const OrderedJson& v) {
  switch (v.type()) {
    case OrderedJson::value_t::number_float: {
      double d = v.get<double>();
      if (std::isnan(d)) out += "NaN";
      else if (std::isinf(d)) out += d < 0 ? "-Infinity" : "Infinity";
      else out += PythonFloatRepr(d);
      return;
    }
    case OrderedJson::value_t::string:
      AppendJsonString(out, v.get_ref<const std::string&>());
      return;
    case OrderedJson::value_t::array: {
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out += ',';
        AppendJson(out, v[i]);
      }
      out += ']';
      return;
    }
    case OrderedJson::value_t::object: {
      std::vector<std::string> keys;
      for (const auto& [k, e] : v.items()) keys.push_back(k);
      std::sort(keys.begin(), keys.end());  // byte order is code point order in UTF-8
      out += '{';
      for (size_t i = 0; i < keys.size(); ++i) {
        if (i > 0) out += ',';
        AppendJsonString(out, keys[i]);
        out += ':';
        AppendJson(out, v.at(keys[i]));
      }
      out += '}';
      return;
    }
    default: out += v.dump(); return;  // null, booleans, integers
  }
}

OrderedJson LoadValue(const Json& value) {
  if (value.is_string()) return LoadHyperparameterValue(value.get_ref<const std::string&>());
  return OrderedJson::parse(value.dump());
}

size_t CodePointCount(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

OrderedJson LoadHyperparameterValue(std::string_view text) {
  std::string_view t = Trim(text);
  if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (t == "Infinity") return std::numeric_limits<double>::infinity();
  if (t == "-Infinity") return -std::numeric_limits<double>::infinity();
  OrderedJson parsed = OrderedJson::parse(t.begin(), t.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::string(text);
  return parsed;
}

std::string PythonStr(const OrderedJson& value) { return PythonReprOrStr(value, /*repr=*/false); }

std::string PythonJsonDumps(const OrderedJson& value) {
  std::string out;
  AppendJson(out, value);
  return out;
}

std::string ToolkitEnvValue(const OrderedJson& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  return PythonJsonDumps(value);
}

std::string ToolkitArgValue(const OrderedJson& value) {
  if (value.is_null()) return "";
  if (!value.is_object()) return PythonStr(value);
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& [k, v] : value.items()) items.emplace_back(k, PythonStr(v));
  std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& [k, v] : items) {
    if (!out.empty()) out += ',';
    out += k + "=" + v;
  }
  return out;
}

bool IsReservedHyperparameter(std::string_view name) {
  return name.starts_with("sagemaker_") || IsToolkitNamedParameter(name);
}

OrderedJson UserHyperparameters(const Json& hyperparameters) {
  OrderedJson out = OrderedJson::object();
  if (!hyperparameters.is_object()) return out;
  for (const auto& [k, v] : hyperparameters.items()) {  // Json keeps keys sorted
    if (!IsReservedHyperparameter(k)) out[k] = LoadValue(v);
  }
  return out;
}

OrderedJson AdditionalFrameworkParameters(const Json& hyperparameters) {
  OrderedJson out = OrderedJson::object();
  if (!hyperparameters.is_object()) return out;
  for (const auto& [k, v] : hyperparameters.items()) {
    if (k.starts_with("sagemaker_") && !IsToolkitNamedParameter(k)) out[k] = LoadValue(v);
  }
  return out;
}

std::vector<std::string> ToolkitCommandArgs(const OrderedJson& user_hyperparameters) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : user_hyperparameters.items()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> args;
  for (const std::string& k : keys) {
    args.push_back(k.empty() ? "" : (CodePointCount(k) > 1 ? "--" : "-") + k);
    args.push_back(ToolkitArgValue(user_hyperparameters.at(k)));
  }
  return args;
}

}  // namespace trainyard
