// The requests a load run sends and the checks every response must pass.
//
// A workload file has one request per line (JSON Lines):
//   {"target": "DescribeTrainingJob",             // X-Amz-Target is "SageMaker." + this
//    "body": {"TrainingJobName": "bench-job-00042"},
//    "expect": {"member": "TrainingJobName",         // a member the response must have
//               "equals": "bench-job-00042",         // optional: its string value
//               "count": {"key": "TrainingJobArn", "n": 100},   // optional: "key" occurs n times
//               "each": {"key": "TrainingJobName", "contains": "job-004"}},  // optional
//    "follow_next_token": false,                     // optional: page through NextToken
//    "scan_total": {"key": "TrainingJobArn", "n": 10000}}   // optional, with follow_next_token:
//                                                           // occurrences summed over all pages
// The checks scan the response text rather than parse it, so that checking
// costs the client little: a key matches where "key" is followed by ':'.
// Every function here is pure and safe to call concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace trainyard::bench {

struct KeyCount {
  std::string key;  // empty: no check
  int64_t n = 0;
};

struct Expectation {
  std::string member;
  std::string equals;  // empty: any value
  KeyCount count;
  std::string each_key;  // empty: no check
  std::string each_contains;
};

struct RequestSpec {
  std::string target;  // full X-Amz-Target, e.g. "SageMaker.ListTrainingJobs"
  std::string body;    // JSON text as sent
  Expectation expect;
  bool follow_next_token = false;
  KeyCount scan_total;
};

// Parses a workload file; errors name the line. kNotFound when it cannot be
// opened, kInvalidArgument for malformed lines or an empty file.
Result<std::vector<RequestSpec>> LoadWorkload(const std::string& path);

// OK when the response is HTTP 200 and its body meets `expect`; otherwise an
// error whose message says what was wrong (with the start of the body).
Status CheckResponse(int status, std::string_view body, const Expectation& expect);

// The string value of the first member named `key`, JSON escapes decoded;
// nullopt when there is none or its value is not a string.
std::optional<std::string> FindStringMember(std::string_view body, std::string_view key);

// How many members named `key` the text has (at any depth).
int64_t CountMembers(std::string_view body, std::string_view key);

// `body` (a JSON object's text) with "NextToken": token added as its first member.
std::string WithNextToken(std::string_view body, std::string_view token);

}  // namespace trainyard::bench
