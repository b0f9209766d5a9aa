#include "agent/collective_check_child.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <string_view>

#include "agent/agent_modules.h"
#include "collective/pair_schedule.h"
#include "health/program_runner.h"

namespace trainyard {
namespace {

constexpr size_t kMaxChildOutput = 1 << 20;  // a result for hundreds of peers fits
constexpr std::chrono::milliseconds kChildMargin{10'000};

// The last line of `output` that starts with the marker, without it.
std::optional<std::string> ResultLine(const std::string& output) {
  const std::string_view marker = kCollectiveResultMarker;
  std::optional<std::string> found;
  size_t begin = 0;
  while (begin < output.size()) {
    size_t end = output.find('\n', begin);
    std::string_view line(output.data() + begin, (end == std::string::npos ? output.size() : end) - begin);
    if (line.starts_with(marker)) found = std::string(line.substr(marker.size()));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return found;
}

std::string Tail(const std::string& output, size_t n = 400) {
  std::string tail = output.size() > n ? output.substr(output.size() - n) : output;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  return tail.empty() ? "(no output)" : tail;
}

}  // namespace

Json CollectiveCheckOptionsToJson(const CollectiveCheckOptions& o) {
  return {{"Rank", o.rank},
          {"Size", o.size},
          {"Hosts", o.hosts},
          {"Prefix", o.prefix},
          {"Hostname", o.hostname},
          {"Bytes", o.bytes},
          {"PairBytes", o.pair_bytes},
          {"PairwiseAfterHealthyMesh", o.pairwise_after_healthy_mesh},
          {"Iterations", o.iterations},
          {"TimeoutMs", o.timeout.count()},
          {"NcclLibraries", o.nccl.nccl_libraries},
          {"CudartLibraries", o.nccl.cudart_libraries}};
}

Result<CollectiveCheckOptions> CollectiveCheckOptionsFromJson(const Json& j) {
  try {
    CollectiveCheckOptions o;
    o.rank = j.at("Rank").get<int>();
    o.size = j.at("Size").get<int>();
    o.hosts = j.at("Hosts").get<std::vector<std::string>>();
    o.prefix = j.at("Prefix").get<std::string>();
    o.hostname = j.at("Hostname").get<std::string>();
    o.bytes = j.at("Bytes").get<int64_t>();
    o.pair_bytes = j.at("PairBytes").get<int64_t>();
    o.pairwise_after_healthy_mesh = j.at("PairwiseAfterHealthyMesh").get<bool>();
    o.iterations = j.at("Iterations").get<int>();
    o.timeout = std::chrono::milliseconds(j.at("TimeoutMs").get<int64_t>());
    o.nccl.nccl_libraries = j.at("NcclLibraries").get<std::vector<std::string>>();
    o.nccl.cudart_libraries = j.at("CudartLibraries").get<std::vector<std::string>>();
    return o;
  } catch (const Json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("collective check options: ") + e.what());
  }
}

Result<CollectiveResult> RunCollectiveCheckInChild(const std::string& executable,
                                                   const std::vector<std::string>& environment,
                                                   const HttpRendezvousClientOptions& server,
                                                   const CollectiveCheckOptions& options) {
  ProgramSpec spec;
  spec.argv = {executable, "collective-check", "--server", server.server_url, "--job", server.job_name,
               "--host", server.host, "--options", CollectiveCheckOptionsToJson(options).dump()};
  spec.env = environment;
  spec.env.push_back("TRAINYARD_AGENT_TOKEN=" + server.token);
  // The mesh, the pairwise rounds and, after a failed mesh, one context per pair.
  spec.timeout = options.timeout * (2 + PairRounds(options.size)) + kChildMargin;
  spec.max_output_bytes = kMaxChildOutput;
  Result<ProgramOutcome> ran = RunProgram(spec);
  if (!ran.ok()) return ran.error().WithContext("starting the collective check");
  const ProgramOutcome& outcome = *ran;
  std::optional<std::string> line = ResultLine(outcome.output);
  if (outcome.timed_out || outcome.exit_code != 0 || !line) {
    std::string how = outcome.timed_out   ? "timed out"
                      : outcome.signal    ? "was killed by signal " + std::to_string(outcome.signal)
                      : outcome.exit_code ? "exited " + std::to_string(outcome.exit_code)
                                          : "printed no result";
    return MakeError(ErrorCode::kUnavailable, "the collective check " + how + ": " + Tail(outcome.output));
  }
  Json parsed = Json::parse(*line, nullptr, /*allow_exceptions=*/false);
  Result<CollectiveResult> result = CollectiveResultFromJson(parsed);
  if (!result.ok()) {
    return MakeError(ErrorCode::kUnavailable, "the collective check printed no readable result: " +
                                                  result.error().message);
  }
  return result;
}

int CollectiveCheckChildMain(const HttpRendezvousClientOptions& server, const std::string& options_json) {
  // The check dies with its agent (killed, say, as a faulty instance)
  // rather than wait out its timeouts alone.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) return 2;  // the agent was gone before that took effect
  Json parsed = Json::parse(options_json, nullptr, /*allow_exceptions=*/false);
  Result<CollectiveCheckOptions> options = CollectiveCheckOptionsFromJson(parsed);
  if (!options.ok()) {
    std::fprintf(stderr, "collective-check: %s\n", options.error().message.c_str());
    return 2;
  }
  Result<std::unique_ptr<HttpRendezvousClient>> client = HttpRendezvousClient::Create(server);
  if (!client.ok()) {
    std::fprintf(stderr, "collective-check: rendezvous: %s\n", client.error().message.c_str());
    return 2;
  }
  std::shared_ptr<void> connections;  // left open: exiting closes them at once
  Result<CollectiveResult> result = RunCollectiveCheckFromModule(**client, *options, &connections);
  if (!result.ok()) {
    std::fprintf(stderr, "collective-check: %s\n", result.error().ToString().c_str());
    return 2;
  }
  std::printf("%s%s\n", kCollectiveResultMarker, ToJson(*result).dump().c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(0);  // no destructors: Gloo would wait for its event loop to close each connection
}

}  // namespace trainyard
