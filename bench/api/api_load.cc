// api_load: a load generator for the SageMaker JSON 1.1 API (trainyard,
// moto_server, anything that speaks it). Sends SigV4-signed requests from a
// workload file over keep-alive connections and prints one JSON object:
//   {"requests", "errors", "seconds", "throughput", "p50_ms", "p99_ms", ...}
// Exit status: 0 when every response passed its checks, 1 when some did not
// (the JSON says "ok": false), 2 for bad arguments or an unreadable workload.
//
//   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... api_load
//       --endpoint http://127.0.0.1:8080 --workload describe.jsonl --concurrency 4 --duration 10
#include <curl/curl.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "common/json.h"
#include "load_runner.h"

namespace trainyard::bench {
namespace {

struct Flags {
  std::string endpoint = "http://127.0.0.1:8080";
  std::string workload;
  std::string client = "httplib";
  std::string label;
  LoadOptions load;
  int timeout_seconds = 30;
};

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// "http://HOST:PORT[/]" -> transport options.
Result<TransportOptions> ParseEndpoint(std::string endpoint) {
  constexpr std::string_view kScheme = "http://";
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  size_t colon = endpoint.rfind(':');
  if (endpoint.rfind(kScheme, 0) != 0 || colon < kScheme.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--endpoint takes http://HOST:PORT, got " + endpoint);
  }
  TransportOptions options;
  options.host = endpoint.substr(kScheme.size(), colon - kScheme.size());
  options.port = std::atoi(endpoint.c_str() + colon + 1);
  if (options.port <= 0 || options.host.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--endpoint takes http://HOST:PORT, got " + endpoint);
  }
  return options;
}

Json ReportJson(const Flags& flags, const std::vector<RequestSpec>& workload,
                const LoadReport& report) {
  std::set<std::string> targets;
  for (const RequestSpec& spec : workload)
    targets.insert(spec.target.substr(spec.target.find('.') + 1));
  const LatencySummary& latency = report.latency;
  Json out = {
      {"label", flags.label},
      {"endpoint", flags.endpoint},
      {"operations", targets},
      {"client", flags.client},
      {"concurrency", flags.load.concurrency},
      {"requests", report.requests},
      {"errors", report.errors},
      {"ok", report.errors == 0 && report.requests > 0},
      {"seconds", report.seconds},
      {"throughput", report.seconds > 0 ? report.requests / report.seconds : 0.0},
      {"mean_ms", latency.mean_ms},
      {"p50_ms", latency.p50_ms},
      {"p90_ms", latency.p90_ms},
      {"p99_ms", latency.p99_ms},
      {"max_ms", latency.max_ms},
      {"client_cpu_ms_per_request",
       report.requests > 0 ? report.client_cpu_seconds * 1e3 / report.requests : 0.0},
      {"error_samples", report.error_samples},
  };
  return out;
}

int Run(const Flags& flags) {
  Result<TransportOptions> transport = ParseEndpoint(flags.endpoint);
  if (!transport.ok()) {
    std::fprintf(stderr, "api_load: %s\n", transport.error().message.c_str());
    return 2;
  }
  transport->timeout_seconds = flags.timeout_seconds;
  SigningCredential credential{Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"),
                               Env("AWS_SESSION_TOKEN")};
  if (credential.access_key_id.empty() || credential.secret_access_key.empty()) {
    std::fprintf(stderr, "api_load: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n");
    return 2;
  }
  Result<std::vector<RequestSpec>> workload = LoadWorkload(flags.workload);
  if (!workload.ok()) {
    std::fprintf(stderr, "api_load: %s\n", workload.error().message.c_str());
    return 2;
  }
  LoadOptions load = flags.load;
  load.host_header = transport->host + ":" + std::to_string(transport->port);
  TransportFactory factory = [&]() {
    return flags.client == "httplib" ? NewHttplibTransport(*transport)
                                     : NewCurlTransport(*transport);
  };
  LoadReport report = RunLoad(*workload, credential, factory, load);
  std::printf("%s\n", DumpJson(ReportJson(flags, *workload, report)).c_str());
  return report.errors == 0 && report.requests > 0 ? 0 : 1;
}

}  // namespace
}  // namespace trainyard::bench

int main(int argc, char** argv) {
  using trainyard::bench::Flags;
  Flags flags;
  CLI::App app{"SigV4-signed load generator for the SageMaker JSON 1.1 API"};
  app.add_option("--endpoint", flags.endpoint, "http://HOST:PORT")->capture_default_str();
  app.add_option("--workload", flags.workload, "JSON Lines file of requests (see workload.h)")
      ->required();
  app.add_option("--concurrency,-c", flags.load.concurrency, "Client threads, one connection each")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--duration", flags.load.duration_seconds,
                 "Seconds to run (without --count/--once)")
      ->capture_default_str();
  app.add_option("--count", flags.load.count, "Workload items to send in all (a scan is one item)");
  app.add_flag("--once", flags.load.once,
               "Send every workload item exactly once, in order (seeding)");
  app.add_option("--client", flags.client, "HTTP client library")
      ->check(CLI::IsMember({"curl", "httplib"}))
      ->capture_default_str();
  app.add_option("--region", flags.load.region, "Region in the signature scope")
      ->capture_default_str();
  app.add_option("--seed", flags.load.seed, "Random seed of the request choice")
      ->capture_default_str();
  app.add_option("--timeout", flags.timeout_seconds, "Per-request connect/read/write timeout, s")
      ->capture_default_str();
  app.add_option("--label", flags.label, "Free text copied into the JSON report");
  CLI11_PARSE(app, argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);  // before any thread uses libcurl
  int rc = trainyard::bench::Run(flags);
  curl_global_cleanup();
  return rc;
}
