#include "store/job_page_token.h"

#include <cctype>

#include "common/crypto.h"

namespace trainyard {
namespace {

constexpr int kTokenVersion = 1;
constexpr char kInvalidToken[] = "Invalid pagination token";

Json OptionalTime(const std::optional<EpochMs>& time) {
  return time ? Json(*time) : Json(nullptr);
}

// Identifies the listing a token belongs to: the filters and the sort.
std::string QueryFingerprint(const JobQuery& query) {
  std::string name_contains = query.name_contains;
  for (char& c : name_contains) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  Json identity = Json::array({
      name_contains,
      query.status ? Json(ToString(*query.status)) : Json(nullptr),
      OptionalTime(query.creation_after),
      OptionalTime(query.creation_before),
      OptionalTime(query.modified_after),
      OptionalTime(query.modified_before),
      static_cast<int>(query.sort_by),
      query.descending,
  });
  return Sha256Hex(DumpJson(identity)).substr(0, 16);
}

bool SortKeyFits(const JobQuery& query, const Json& key) {
  switch (query.sort_by) {
    case JobSortBy::kCreationTime: return key.is_number_integer();
    case JobSortBy::kStatus: return key.is_string();
    case JobSortBy::kName: return key.is_null();
  }
  return false;
}

}  // namespace

std::string EncodeJobPageToken(const JobQuery& query, const JobPageCursor& cursor) {
  Json token = {{"v", kTokenVersion},
                {"f", QueryFingerprint(query)},
                {"k", cursor.sort_key},
                {"n", cursor.name}};
  return Base64UrlEncode(DumpJson(token));
}

Result<JobPageCursor> DecodeJobPageToken(const JobQuery& query) {
  const Error invalid = MakeError(ErrorCode::kInvalidArgument, kInvalidToken);
  std::string text;
  if (!Base64UrlDecode(query.next_token, &text)) return invalid;
  Result<Json> token = ParseJson(text, {.max_depth = 2, .require_object = true});
  if (!token.ok()) return invalid;
  const Json& t = *token;
  auto version = t.find("v");
  auto fingerprint = t.find("f");
  auto key = t.find("k");
  auto name = t.find("n");
  if (version == t.end() || *version != kTokenVersion || fingerprint == t.end() ||
      *fingerprint != QueryFingerprint(query) || key == t.end() || !SortKeyFits(query, *key) ||
      name == t.end() || !name->is_string()) {
    return invalid;
  }
  return JobPageCursor{*key, name->get<std::string>()};
}

}  // namespace trainyard
