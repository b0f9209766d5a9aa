#include "controller/metric_parser.h"

#include <cmath>
#include <cstdlib>

namespace trainyard {
namespace {

// "(?P<loss>...)" -> "(...)": std::regex has no named groups.
std::string DropGroupNames(const std::string& pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.compare(i, 4, "(?P<") == 0) {
      size_t close = pattern.find('>', i + 4);
      if (close != std::string::npos) {
        out += '(';
        i = close;
        continue;
      }
    }
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      out += pattern[i];
      out += pattern[++i];
      continue;
    }
    out += pattern[i];
  }
  return out;
}

}  // namespace

Result<MetricParser> MetricParser::Create(const Json& metric_definitions) {
  MetricParser parser;
  if (!metric_definitions.is_array()) return parser;
  for (const Json& definition : metric_definitions) {
    std::string name = GetString(definition, "Name");
    std::string pattern = GetString(definition, "Regex");
    try {
      std::regex regex(DropGroupNames(pattern), std::regex::ECMAScript | std::regex::optimize);
      if (regex.mark_count() < 1) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "The regular expression of metric '" + name + "' must have a capture group: " + pattern);
      }
      parser.metrics_.push_back({name, std::move(regex)});
    } catch (const std::regex_error& e) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "The regular expression of metric '" + name + "' is not valid: " + pattern);
    }
  }
  return parser;
}

std::vector<MetricDatum> MetricParser::Parse(std::string_view line, EpochMs time) const {
  std::vector<MetricDatum> out;
  for (const Metric& metric : metrics_) {
    std::match_results<std::string_view::const_iterator> match;
    if (!std::regex_search(line.begin(), line.end(), match, metric.regex) || !match[1].matched) continue;
    std::string text = match[1].str();
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || !std::isfinite(value)) continue;
    out.push_back({metric.name, value, time});
  }
  return out;
}

void MergeFinalMetrics(std::vector<MetricDatum>& final_metrics, const std::vector<MetricDatum>& points) {
  for (const MetricDatum& p : points) {
    auto it = std::find_if(final_metrics.begin(), final_metrics.end(),
                           [&](const MetricDatum& m) { return m.name == p.name; });
    if (it != final_metrics.end()) {
      if (p.timestamp >= it->timestamp) *it = p;
    } else if (final_metrics.size() < 40) {
      final_metrics.push_back(p);
    }
  }
}

}  // namespace trainyard
