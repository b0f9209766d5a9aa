// SqliteLogStore: LogStore in an SQLite file (WAL). May share the file with
// SqliteJobStore; it keeps its own tables and connection.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/log_store.h"

struct sqlite3;

namespace trainyard {

class SqliteLogStore : public LogStore {
 public:
  static Result<std::unique_ptr<SqliteLogStore>> Open(const std::string& path);
  ~SqliteLogStore() override;

  Status AppendLogs(std::string_view job, std::string_view host,
                    const std::vector<LogLine>& lines) override;
  Result<std::vector<StoredLogLine>> ReadLogs(std::string_view job, const LogQuery& query) override;
  Result<int64_t> LogBytes(std::string_view job) override;
  Status AppendMetrics(std::string_view job, const std::vector<MetricPoint>& points) override;
  Result<std::vector<MetricPoint>> ReadMetrics(std::string_view job, std::string_view name) override;

 private:
  explicit SqliteLogStore(sqlite3* db) : db_(db) {}
  Status Exec(const char* sql);

  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace trainyard
