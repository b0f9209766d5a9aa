// MetricParser: turns log lines into metric points with the job's
// AlgorithmSpecification.MetricDefinitions, as SageMaker does: each regex is
// searched in each line (not matched whole), and the first capture group,
// parsed as a number, is the value. Matches that do not parse are skipped.
//
// The regexes are Python-flavoured; named groups "(?P<n>...)" are accepted
// (the name is dropped). Create() returns kInvalidArgument naming the metric
// for a regex that does not compile or has no capture group.
// Thread safety: Parse is const and may run concurrently.
#pragma once

#include <regex>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "model/training_job.h"

namespace trainyard {

class MetricParser {
 public:
  static Result<MetricParser> Create(const Json& metric_definitions);
  std::vector<MetricDatum> Parse(std::string_view line, EpochMs time) const;
  bool empty() const { return metrics_.empty(); }

 private:
  struct Metric {
    std::string name;
    std::regex regex;
  };
  std::vector<Metric> metrics_;
};

// Merges new points into a job's final metrics (last value per name, at most 40).
void MergeFinalMetrics(std::vector<MetricDatum>& final_metrics, const std::vector<MetricDatum>& points);

}  // namespace trainyard
