#include "agent/node_instance_health.h"

#include <algorithm>
#include <cstdio>

#include "agent/collective_check_child.h"
#include "collective/loopback_host.h"
#include "health/health_suite.h"

namespace trainyard {
namespace {

// The full mesh's payload when every instance is on this host's loopback.
constexpr int64_t kLoopbackCheckBytes = 64 << 10;

std::string_view StateName(HealthOutcome::State state) {
  switch (state) {
    case HealthOutcome::State::kHealthy: return "healthy";
    case HealthOutcome::State::kUnhealthy: return "unhealthy";
    case HealthOutcome::State::kError: return "error";
  }
  return "error";
}

HealthOptions OptionsFrom(const HealthSettings& settings) {
  HealthOptions options;
  options.min_free_disk_bytes = settings.min_free_disk_bytes;
  options.min_available_memory_bytes = settings.min_available_memory_bytes;
  options.programs = settings.programs;
  options.program_timeout = std::chrono::milliseconds(settings.program_timeout_ms);
  return options;
}

}  // namespace

NodeInstanceHealth::NodeInstanceHealth(const Clock& clock, NodeInstanceHealthOptions options)
    : clock_(clock), options_(std::move(options)) {}

NodeInstanceHealth::~NodeInstanceHealth() = default;

std::vector<HealthOutcomeReport> NodeInstanceHealth::NodeChecks(const Assignment& assignment,
                                                                const InstanceLayout& layout) {
  if (!built_) {
    checks_ = MakeNodeHealthChecks(OptionsFrom(assignment.health));
    built_ = true;
  }
  HealthContext context;
  context.instance_type = GetString(assignment.request.value("ResourceConfig", Json::object()), "InstanceType");
  context.host = assignment.host;
  context.instance_id = assignment.instance_id;
  context.job_name = assignment.job_name;
  context.ml_root = layout.ml_root;
  context.checkpoint_dir = layout.checkpoint_dir;
  std::vector<HealthOutcomeReport> reports;
  for (const HealthOutcome& o : RunHealthChecks(checks_, context, clock_)) {
    reports.push_back({o.check, std::string(StateName(o.state)), o.detail, o.duration_ms});
  }
  return reports;
}

// Rank = the host's index in the sorted hosts, as SageMaker's toolkits do.
CollectiveOutcome NodeInstanceHealth::CollectiveCheck(const Assignment& assignment) {
  CollectiveOutcome outcome;
  const HealthSettings& settings = assignment.health;
  auto me = std::find(assignment.hosts.begin(), assignment.hosts.end(), assignment.host);
  if (me == assignment.hosts.end()) {
    outcome.ok = false;
    outcome.detail = assignment.host + " is not among the job's hosts";
    return outcome;
  }
  CollectiveCheckOptions check;
  check.rank = static_cast<int>(me - assignment.hosts.begin());
  check.size = static_cast<int>(assignment.hosts.size());
  check.hosts = assignment.hosts;
  check.prefix = assignment.rendezvous_prefix + "preflight";
  check.hostname = options_.hosts_resolve ? assignment.host : "127.0.0.1";
  check.bytes = std::max<int64_t>(settings.collective_bytes, 4);
  check.pair_bytes = std::max<int64_t>(settings.collective_bytes, 4 << 20);
  if (ResolvesToLoopback(check.hostname)) {
    // Instances on one loopback device: there is no network path of theirs
    // to measure, only whether each can join and exchange correct data.
    check.bytes = std::min<int64_t>(check.bytes, kLoopbackCheckBytes);
    check.pairwise_after_healthy_mesh = false;
    check.iterations = 1;
  } else {
    check.iterations = 2;
  }
  check.timeout = std::chrono::milliseconds(std::max(settings.collective_timeout_ms, 100));
  Result<CollectiveResult> result = RunCollectiveCheckInChild(
      options_.check_executable, options_.check_environment,
      {.server_url = options_.server_url, .job_name = assignment.job_name, .host = assignment.host,
       .token = options_.token},
      check);
  if (!result.ok()) {
    outcome.ok = false;
    outcome.detail = result.error().message;
    return outcome;
  }
  outcome.ok = result->ok;
  outcome.result = ToJson(*result);
  if (!result->ok) {
    outcome.detail = result->error;
  } else {
    char text[160];
    std::snprintf(text, sizeof text, "%lld-byte allreduce across %d instances at %.0f MB/s, sums correct",
                  static_cast<long long>(result->bytes), result->size, result->algbw_bytes_per_s / 1e6);
    outcome.detail = text;
  }
  return outcome;
}

}  // namespace trainyard
