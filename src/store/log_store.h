// LogStore: the instances' output lines and metric points of training jobs.
//
// Lines are kept in arrival order with an increasing id per store, so a
// reader can follow a job with "lines after id N". Implementations:
// SqliteLogStore. Thread safety: all methods may be called concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/agent_protocol.h"
#include "model/training_job.h"

namespace trainyard {

struct StoredLogLine {
  int64_t id = 0;
  std::string host;
  EpochMs time = 0;
  std::string stream;
  std::string text;
};

struct LogQuery {
  std::string host;       // empty: every instance
  int64_t after_id = 0;   // only lines with a larger id
  int limit = 1000;
};

struct MetricPoint {
  std::string host;
  MetricDatum datum;
};

class LogStore {
 public:
  virtual ~LogStore() = default;
  virtual Status AppendLogs(std::string_view job, std::string_view host,
                            const std::vector<LogLine>& lines) = 0;
  virtual Result<std::vector<StoredLogLine>> ReadLogs(std::string_view job, const LogQuery& query) = 0;
  // Bytes of line text stored for a job (to enforce the per-job cap).
  virtual Result<int64_t> LogBytes(std::string_view job) = 0;
  virtual Status AppendMetrics(std::string_view job, const std::vector<MetricPoint>& points) = 0;
  virtual Result<std::vector<MetricPoint>> ReadMetrics(std::string_view job, std::string_view name) = 0;
};

}  // namespace trainyard
