#include "workload.h"

#include <fstream>

#include "common/json.h"

namespace trainyard::bench {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

// Finds the next member named `key` at or after `from`; returns the index of
// the first character of its value, or npos.
size_t NextMemberValue(std::string_view body, std::string_view key, size_t from) {
  std::string quoted;
  quoted.reserve(key.size() + 2);
  quoted.append(1, '"').append(key).append(1, '"');
  for (size_t at = body.find(quoted, from); at != std::string_view::npos;
       at = body.find(quoted, at + 1)) {
    size_t i = SkipSpace(body, at + quoted.size());
    if (i < body.size() && body[i] == ':') return SkipSpace(body, i + 1);
  }
  return std::string_view::npos;
}

// Reads the JSON string literal starting at body[i] == '"'.
std::optional<std::string> ReadString(std::string_view body, size_t i) {
  if (i >= body.size() || body[i] != '"') return std::nullopt;
  bool escaped = false;
  for (size_t j = i + 1; j < body.size(); ++j) {
    if (body[j] == '\\') {
      escaped = true;
      ++j;
    } else if (body[j] == '"') {
      if (!escaped) return std::string(body.substr(i + 1, j - i - 1));
      Json decoded = Json::parse(body.substr(i, j - i + 1), nullptr, /*allow_exceptions=*/false);
      if (!decoded.is_string()) return std::nullopt;
      return decoded.get<std::string>();
    }
  }
  return std::nullopt;
}

KeyCount KeyCountFrom(const Json& value) {
  if (!value.is_object()) return {};
  return {GetString(value, "key"), GetInt(value, "n").value_or(0)};
}

Result<RequestSpec> ParseLine(const std::string& line) {
  TY_ASSIGN_OR_RETURN(Json json, ParseJson(line));
  RequestSpec spec;
  spec.target = "SageMaker." + GetString(json, "target");
  if (spec.target == "SageMaker.") return MakeError(ErrorCode::kInvalidArgument, "no \"target\"");
  if (!json.contains("body") || !json["body"].is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "\"body\" must be an object");
  }
  spec.body = DumpJson(json["body"]);
  const Json expect = json.value("expect", Json::object());
  spec.expect.member = GetString(expect, "member");
  spec.expect.equals = GetString(expect, "equals");
  spec.expect.count = KeyCountFrom(expect.value("count", Json()));
  const Json each = expect.value("each", Json::object());
  spec.expect.each_key = GetString(each, "key");
  spec.expect.each_contains = GetString(each, "contains");
  spec.follow_next_token = json.value("follow_next_token", false);
  spec.scan_total = KeyCountFrom(json.value("scan_total", Json()));
  return spec;
}

Error Mismatch(std::string_view what, std::string_view body) {
  constexpr size_t kShown = 200;
  std::string shown(body.substr(0, kShown));
  if (body.size() > kShown) shown += "...";
  return MakeError(ErrorCode::kFailedPrecondition, std::string(what) + "; body: " + shown);
}

}  // namespace

Result<std::vector<RequestSpec>> LoadWorkload(const std::string& path) {
  std::ifstream in(path);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot open workload " + path);
  std::vector<RequestSpec> specs;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Result<RequestSpec> spec = ParseLine(line);
    if (!spec.ok()) return spec.error().WithContext(path + ":" + std::to_string(number));
    specs.push_back(std::move(*spec));
  }
  if (specs.empty())
    return MakeError(ErrorCode::kInvalidArgument, "workload " + path + " is empty");
  return specs;
}

std::optional<std::string> FindStringMember(std::string_view body, std::string_view key) {
  size_t at = NextMemberValue(body, key, 0);
  if (at == std::string_view::npos) return std::nullopt;
  return ReadString(body, at);
}

int64_t CountMembers(std::string_view body, std::string_view key) {
  int64_t n = 0;
  for (size_t at = NextMemberValue(body, key, 0); at != std::string_view::npos;
       at = NextMemberValue(body, key, at)) {
    ++n;
  }
  return n;
}

Status CheckResponse(int status, std::string_view body, const Expectation& expect) {
  if (status != 200) return Mismatch("HTTP " + std::to_string(status), body);
  if (!expect.member.empty() && NextMemberValue(body, expect.member, 0) == std::string_view::npos) {
    return Mismatch("no member " + expect.member, body);
  }
  if (!expect.equals.empty()) {
    std::optional<std::string> value = FindStringMember(body, expect.member);
    if (value != expect.equals) {
      return Mismatch(expect.member + " is not \"" + expect.equals + "\"", body);
    }
  }
  if (!expect.count.key.empty()) {
    int64_t n = CountMembers(body, expect.count.key);
    if (n != expect.count.n) {
      return Mismatch(std::to_string(n) + " members " + expect.count.key + ", expected " +
                          std::to_string(expect.count.n),
                      body);
    }
  }
  if (!expect.each_key.empty()) {
    for (size_t at = NextMemberValue(body, expect.each_key, 0); at != std::string_view::npos;
         at = NextMemberValue(body, expect.each_key, at)) {
      std::optional<std::string> value = ReadString(body, at);
      if (!value || value->find(expect.each_contains) == std::string::npos) {
        return Mismatch(expect.each_key + " \"" + value.value_or("?") + "\" lacks \"" +
                            expect.each_contains + "\"",
                        body);
      }
    }
  }
  return Ok();
}

std::string WithNextToken(std::string_view body, std::string_view token) {
  size_t open = body.find('{');
  if (open == std::string_view::npos) return std::string(body);
  size_t next = SkipSpace(body, open + 1);
  bool empty = next < body.size() && body[next] == '}';
  return std::string(body.substr(0, open + 1)) +
         "\"NextToken\":" + DumpJson(Json(std::string(token))) + (empty ? "" : ",") +
         std::string(body.substr(open + 1));
}

}  // namespace trainyard::bench
