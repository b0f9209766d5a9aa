#include "storage/s3_time.h"

#include <charconv>
#include <chrono>

#include "common/strings.h"

namespace trainyard {
namespace {

// Reads exactly `digits` decimal digits from the front of `text`.
std::optional<int> TakeNumber(std::string_view* text, size_t digits) {
  if (text->size() < digits) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < digits; ++i) {
    if (!IsDigit((*text)[i])) return std::nullopt;
    value = value * 10 + ((*text)[i] - '0');
  }
  text->remove_prefix(digits);
  return value;
}

bool TakeChar(std::string_view* text, char c) {
  if (text->empty() || text->front() != c) return false;
  text->remove_prefix(1);
  return true;
}

std::optional<EpochMs> ToEpochMs(int year, int month, int day, int hour, int minute, int second, int ms) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                   std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  auto days = std::chrono::sys_days(date).time_since_epoch().count();
  return ((static_cast<int64_t>(days) * 24 + hour) * 60 + minute) * 60'000 + second * 1000 + ms;
}

// "HH:MM:SS"
bool TakeTime(std::string_view* text, int* hour, int* minute, int* second) {
  auto h = TakeNumber(text, 2);
  if (!h || !TakeChar(text, ':')) return false;
  auto m = TakeNumber(text, 2);
  if (!m || !TakeChar(text, ':')) return false;
  auto s = TakeNumber(text, 2);
  if (!s) return false;
  *hour = *h;
  *minute = *m;
  *second = *s;
  return true;
}

}  // namespace

std::optional<EpochMs> ParseIso8601Ms(std::string_view text) {
  auto year = TakeNumber(&text, 4);
  if (!year || !TakeChar(&text, '-')) return std::nullopt;
  auto month = TakeNumber(&text, 2);
  if (!month || !TakeChar(&text, '-')) return std::nullopt;
  auto day = TakeNumber(&text, 2);
  if (!day || !TakeChar(&text, 'T')) return std::nullopt;
  int hour, minute, second;
  if (!TakeTime(&text, &hour, &minute, &second)) return std::nullopt;
  int ms = 0;
  if (TakeChar(&text, '.')) {
    int scale = 100;
    size_t digits = 0;
    while (!text.empty() && IsDigit(text.front())) {
      ms += (text.front() - '0') * scale;
      scale /= 10;
      text.remove_prefix(1);
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  if (text != "Z") return std::nullopt;
  return ToEpochMs(*year, *month, *day, hour, minute, second, ms);
}

std::optional<EpochMs> ParseHttpDateMs(std::string_view text) {
  // "Wed, 12 Oct 2009 17:50:30 GMT"
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  size_t comma = text.find(", ");
  if (comma == std::string_view::npos) return std::nullopt;
  text.remove_prefix(comma + 2);
  auto day = TakeNumber(&text, 2);
  if (!day || !TakeChar(&text, ' ') || text.size() < 4) return std::nullopt;
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (text.substr(0, 3) == kMonths[i]) month = i + 1;
  }
  text.remove_prefix(3);
  if (month == 0 || !TakeChar(&text, ' ')) return std::nullopt;
  auto year = TakeNumber(&text, 4);
  if (!year || !TakeChar(&text, ' ')) return std::nullopt;
  int hour, minute, second;
  if (!TakeTime(&text, &hour, &minute, &second) || text != " GMT") return std::nullopt;
  return ToEpochMs(*year, month, *day, hour, minute, second, 0);
}

}  // namespace trainyard
