// RunLoad: drives a SageMaker-compatible endpoint with `concurrency` closed-
// loop clients. Each client is one thread with its own connection
// (HttpTransport) and its own signer; it signs every request afresh, sends it,
// waits for the response, checks it (CheckResponse), and records the latency
// of the exchange (send to last response byte, signing and checking excluded).
//
// Unless `once`, every client first sends one untimed request (a random
// item; a failure counts as an error) and the clock starts when all have had
// their answer, so that connection setup is not measured.
//
// Which requests: with `once`, every workload item exactly once, in file order
// across the clients (seeding); otherwise items drawn at random (seeded) until
// `count` items were sent or, when count is 0, until `duration_seconds` have
// passed (requests in flight then still complete and count). An item with
// follow_next_token is a scan: its first page, then every NextToken the
// server returns; each page is one request, the scan one item.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http_transport.h"
#include "latency_summary.h"
#include "sigv4_signer.h"
#include "workload.h"

namespace trainyard::bench {

struct LoadOptions {
  std::string host_header;       // the Host header, signed: "127.0.0.1:8080"
  int concurrency = 1;           // client threads, one connection each
  double duration_seconds = 10;  // run length when count == 0 and not once
  int64_t count = 0;             // items to send in all (> 0: overrides duration)
  bool once = false;             // each item once, in order (overrides both)
  std::string region = "us-east-1";
  uint64_t seed = 1;             // client i draws from seed + i
  size_t max_error_samples = 5;  // error messages kept for the report
};

struct LoadReport {
  int64_t requests = 0;           // responses received or failed, pages included
  int64_t errors = 0;             // failed requests, failed checks, wrong scan totals
  double seconds = 0;             // wall time from first send to last response
  double client_cpu_seconds = 0;  // user + system CPU of this process meanwhile
  LatencySummary latency;
  std::vector<std::string> error_samples;
};

// Makes one client connection; called once per client thread, up front.
using TransportFactory = std::function<std::unique_ptr<HttpTransport>()>;

// Precondition: `workload` is not empty and concurrency >= 1. Thread-safe
// factory calls are not needed: RunLoad calls it from the calling thread.
LoadReport RunLoad(const std::vector<RequestSpec>& workload, const SigningCredential& credential,
                   const TransportFactory& new_transport, const LoadOptions& options);

}  // namespace trainyard::bench
