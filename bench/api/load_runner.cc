#include "load_runner.h"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <latch>
#include <random>
#include <thread>

namespace trainyard::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

// What the clients share: how the next item is chosen and when to stop.
struct Schedule {
  const std::vector<RequestSpec>* workload;
  const LoadOptions* options;
  SteadyClock::time_point deadline;
  std::atomic<int64_t> next_in_order{0};  // once
  std::atomic<int64_t> left{0};           // count

  bool TimeIsUp() const {
    return options->count == 0 && !options->once && SteadyClock::now() >= deadline;
  }
};

class Client {
 public:
  Client(Schedule& schedule, const SigningCredential& credential,
         std::unique_ptr<HttpTransport> transport, uint64_t seed)
      : schedule_(schedule),
        options_(*schedule.options),
        signer_(credential, options_.region, "sagemaker"),
        transport_(std::move(transport)),
        random_(seed) {}

  // Sends one request, neither timed nor counted unless it fails, so that
  // connecting is not part of the measurement.
  void Prime() {
    const std::vector<RequestSpec>& workload = *schedule_.workload;
    const RequestSpec& spec =
        workload[std::uniform_int_distribution<size_t>(0, workload.size() - 1)(random_)];
    const bool ok = Send(spec, spec.body);
    latencies_.clear();
    if (ok) report_.requests = 0;  // a failure stays counted, as a request and an error
  }

  void Run() {
    for (const RequestSpec* spec = Next(); spec; spec = Next()) {
      if (spec->follow_next_token)
        Scan(*spec);
      else
        Send(*spec, spec->body);
    }
  }

  LoadReport& report() { return report_; }
  std::vector<int64_t>& latencies() { return latencies_; }

 private:
  const RequestSpec* Next() {
    const std::vector<RequestSpec>& workload = *schedule_.workload;
    if (options_.once) {
      int64_t i = schedule_.next_in_order.fetch_add(1);
      return i < static_cast<int64_t>(workload.size()) ? &workload[i] : nullptr;
    }
    if (options_.count > 0 ? schedule_.left.fetch_sub(1) <= 0 : schedule_.TimeIsUp())
      return nullptr;
    return &workload[std::uniform_int_distribution<size_t>(0, workload.size() - 1)(random_)];
  }

  // Sends one request; returns whether its response passed the checks.
  bool Send(const RequestSpec& spec, const std::string& body) {
    Json11Signature signature = signer_.Sign(options_.host_header, spec.target, body,
                                             static_cast<int64_t>(std::time(nullptr)));
    headers_.clear();
    headers_.emplace_back("Host", options_.host_header);
    headers_.emplace_back("Content-Type", std::string(Json11Signer::kContentType));
    headers_.emplace_back("X-Amz-Target", spec.target);
    headers_.emplace_back("X-Amz-Date", std::move(signature.amz_date));
    if (!signer_.credential().session_token.empty()) {
      headers_.emplace_back("X-Amz-Security-Token", signer_.credential().session_token);
    }
    headers_.emplace_back("Authorization", std::move(signature.authorization));

    SteadyClock::time_point start = SteadyClock::now();
    Result<int> status = transport_->Post(headers_, body, &response_);
    latencies_.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count());
    ++report_.requests;
    Status checked =
        status.ok() ? CheckResponse(*status, response_, spec.expect) : Status(status.error());
    if (!checked.ok()) Fail(spec.target + ": " + checked.error().message);
    return checked.ok();
  }

  void Scan(const RequestSpec& spec) {
    int64_t seen = 0;
    std::string body = spec.body;
    while (Send(spec, body)) {
      if (!spec.scan_total.key.empty()) seen += CountMembers(response_, spec.scan_total.key);
      std::optional<std::string> token = FindStringMember(response_, "NextToken");
      if (!token || token->empty()) {
        if (!spec.scan_total.key.empty() && seen != spec.scan_total.n) {
          Fail(spec.target + " scan: " + std::to_string(seen) + " members " + spec.scan_total.key +
               " over all pages, expected " + std::to_string(spec.scan_total.n));
        }
        return;
      }
      if (schedule_.TimeIsUp()) return;  // an unfinished scan is not checked
      body = WithNextToken(spec.body, *token);
    }
  }

  void Fail(std::string message) {
    ++report_.errors;
    if (report_.error_samples.size() < options_.max_error_samples) {
      report_.error_samples.push_back(std::move(message));
    }
  }

  Schedule& schedule_;
  const LoadOptions& options_;
  Json11Signer signer_;
  std::unique_ptr<HttpTransport> transport_;
  std::mt19937_64 random_;
  HttpHeaders headers_;
  std::string response_;
  std::vector<int64_t> latencies_;
  LoadReport report_;
};

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

LoadReport RunLoad(const std::vector<RequestSpec>& workload, const SigningCredential& credential,
                   const TransportFactory& new_transport, const LoadOptions& options) {
  Schedule schedule;
  schedule.workload = &workload;
  schedule.options = &options;
  schedule.left = options.count;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < options.concurrency; ++i) {
    clients.push_back(
        std::make_unique<Client>(schedule, credential, new_transport(), options.seed + i));
  }

  // The clock starts once every client is connected (primed).
  const bool prime = !options.once;
  std::latch primed(options.concurrency), go(1);
  std::vector<std::thread> threads;
  for (auto& client : clients) {
    threads.emplace_back([&client, &primed, &go, prime] {
      if (prime) client->Prime();
      primed.count_down();
      go.wait();
      client->Run();
    });
  }
  primed.wait();
  const double cpu_start = CpuSeconds();
  const SteadyClock::time_point start = SteadyClock::now();
  schedule.deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                                  std::chrono::duration<double>(options.duration_seconds));
  go.count_down();
  for (std::thread& thread : threads) thread.join();

  LoadReport total;
  total.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  total.client_cpu_seconds = CpuSeconds() - cpu_start;
  std::vector<int64_t> latencies;
  for (auto& client : clients) {
    const LoadReport& part = client->report();
    total.requests += part.requests;
    total.errors += part.errors;
    for (const std::string& sample : part.error_samples) {
      if (total.error_samples.size() < options.max_error_samples)
        total.error_samples.push_back(sample);
    }
    latencies.insert(latencies.end(), client->latencies().begin(), client->latencies().end());
  }
  total.latency = Summarize(std::move(latencies));
  return total;
}

}  // namespace trainyard::bench
