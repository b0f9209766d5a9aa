// request_fuzz: a libFuzzer target for the API's request path, from the bytes
// of a body to the training-job service.
//
// Input: the first byte says what to call and how to sign; the rest is the
// request body, sent as is.
//   bits 0-3  the operation: sagemaker_shapes::Operations()[i] for i below
//             their count (15), otherwise one trainyard does not serve
//   bit 4     sign with a credential that has a session token
//   bit 5     carry the time in a Date header instead of X-Amz-Date
//   bit 6     send a signed X-Amz-Content-SHA256
//   bit 7     sign 299 s before the server's time (inside the allowed skew)
//
// Each input takes two paths:
//  1. directly: ParseJson with the API's limits, ValidateRequest, and for a
//     valid CreateTrainingJob the cross-field rules and the normalizer;
//  2. through ApiHandler::Handle, correctly signed, so that it passes SigV4
//     and reaches validation in the real handler. The server's eight
//     operations are registered as the server registers them, on a real
//     TrainingJobService over MemoryJobStore that holds one job
//     ("fuzz-job"); the others (DeleteTrainingJob and the tuning-job calls,
//     which the server does not serve yet) echo the validated request.
// Beyond "no crash, hang, leak or sanitizer report", it aborts when:
//  - the handler rejects the signature (a harness or SigV4 bug), answers 5xx,
//    or answers with a body that is not a JSON object;
//  - the handler and the direct path disagree: a request the direct path
//    rejects must get exactly that error's body, an echoed one exactly the
//    parsed request;
//  - validation returns an error code its header does not promise;
//  - a valid CreateTrainingJob's normalized form no longer validates, breaks
//    the rules, or changes when normalized again;
//  - for a valid request to the service, setting one of the operation's
//    members to null changes the answer from leaving it out (validation.h:
//    null counts as absent).
// With REQUEST_FUZZ_VERBOSE=1 in the environment it prints every response
// (for triage: run the binary on one input file).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_handler.h"
#include "api/error_response.h"
#include "api/training_job_operations.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/json.h"
#include "controller/job_launcher.h"
#include "controller/training_job_service.h"
#include "fuzz/botocore_signer.h"
#include "fuzz/memory_job_store.h"
#include "model/generated/sagemaker_shapes.h"
#include "model/training_job_rules.h"
#include "model/validation.h"

namespace trainyard {
namespace {

namespace sm = sagemaker_shapes;

// The botocore fixture's time and key (tests/data/sigv4_botocore.json).
constexpr EpochMs kServerTimeMs = 1'795'801'139'000;  // 2026-11-27T17:38:59Z
constexpr char kAccessKey[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kTokenAccessKey[] = "ASIAEXAMPLE";
constexpr char kToken[] = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+token/with+slashes==";
constexpr char kUnservedOperation[] = "CreateEndpoint";
constexpr char kSeedJob[] = R"({
  "TrainingJobName": "fuzz-job",
  "AlgorithmSpecification": {"TrainingImage": "local/pytorch:2.1", "TrainingInputMode": "File"},
  "RoleArn": "arn:aws:iam::123456789012:role/trainyard",
  "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
  "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
  "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
  "Tags": [{"Key": "team", "Value": "fuzz"}]
})";

// Prints what went wrong with the input's body and aborts, which libFuzzer
// reports as a crash and saves the input.
[[noreturn]] void Fail(std::string_view what, std::string_view operation, std::string_view body,
                       std::string_view detail = {}) {
  std::fprintf(stderr, "request_fuzz: %.*s\n  operation: %.*s\n  body: %s\n  detail: %.*s\n",
               static_cast<int>(what.size()), what.data(), static_cast<int>(operation.size()),
               operation.data(), DumpJson(Json(std::string(body))).c_str(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

struct FuzzInput {
  std::string operation;  // without the "SageMaker." prefix
  bool served = false;    // one of Operations()
  bool session_token = false;
  bool date_header = false;
  bool content_sha256 = false;
  bool skewed = false;
  std::string_view body;
};

FuzzInput Split(const uint8_t* data, size_t size) {
  FuzzInput in;
  const uint8_t selector = size > 0 ? data[0] : 0;
  const size_t index = selector & 0x0f;
  const auto operations = sm::Operations();
  in.served = index < operations.size();
  in.operation = in.served ? std::string(operations[index].name) : kUnservedOperation;
  in.session_token = selector & 0x10;
  in.date_header = selector & 0x20;
  in.content_sha256 = selector & 0x40;
  in.skewed = selector & 0x80;
  if (size > 1) in.body = std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1);
  return in;
}

// What the direct path concluded about a body.
struct Verdict {
  std::optional<Json> parsed;   // when the body is a JSON object within the limits
  std::optional<Error> error;   // the first error: parse, validation, or the rules
};

bool IsOneOf(ErrorCode code, std::initializer_list<ErrorCode> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// The normalized form of a valid CreateTrainingJob is what DescribeTrainingJob
// echoes and what the job runs with: it must itself be valid and stable.
void CheckNormalized(const Json& request, const FuzzInput& in) {
  Result<Json> normalized = NormalizeCreateTrainingJob(request);
  if (!normalized.ok()) Fail("normalizing a valid request failed", in.operation, in.body,
                             normalized.error().ToString());
  if (Status s = ValidateRequest("CreateTrainingJob", *normalized); !s.ok()) {
    Fail("the normalized request does not validate", in.operation, in.body, s.error().ToString());
  }
  if (Status s = ValidateCreateTrainingJobRules(*normalized); !s.ok()) {
    Fail("the normalized request breaks the rules", in.operation, in.body, s.error().ToString());
  }
  Result<Json> twice = NormalizeCreateTrainingJob(*normalized);
  if (!twice.ok() || *twice != *normalized) {
    Fail("normalizing is not idempotent", in.operation, in.body, DumpJson(*normalized));
  }
}

Verdict RunDirect(const FuzzInput& in, const ApiOptions& api) {
  Verdict v;
  // The handler reads an empty body as {} (botocore sends none for some calls).
  std::string_view body = in.body.empty() ? std::string_view("{}") : in.body;
  Result<Json> parsed = ParseJson(body, {.max_depth = api.max_json_depth});
  if (!parsed.ok()) {
    if (parsed.error().code != ErrorCode::kSerialization) {
      Fail("ParseJson returned an unpromised code", in.operation, in.body, parsed.error().ToString());
    }
    v.error = parsed.error();
    return v;
  }
  v.parsed = *parsed;
  Status valid = ValidateRequest(in.operation, *parsed);
  if (!in.served) {
    if (valid.ok() || valid.error().code != ErrorCode::kUnknownOperation) {
      Fail("an unserved operation was not refused", in.operation, in.body);
    }
    v.error = valid.error();
    return v;
  }
  if (!valid.ok()) {
    if (!IsOneOf(valid.error().code, {ErrorCode::kSerialization, ErrorCode::kInvalidArgument})) {
      Fail("ValidateRequest returned an unpromised code", in.operation, in.body,
           valid.error().ToString());
    }
    v.error = valid.error();
    return v;
  }
  if (in.operation != "CreateTrainingJob") return v;
  Status rules = ValidateCreateTrainingJobRules(*parsed);
  if (!rules.ok()) {
    if (rules.error().code != ErrorCode::kInvalidArgument) {
      Fail("the rules returned an unpromised code", in.operation, in.body, rules.error().ToString());
    }
    v.error = rules.error();
    return v;
  }
  CheckNormalized(*parsed, in);
  return v;
}

// Runs nothing: jobs stay as the service records them (InProgress, Stopping).
class IdleLauncher : public JobLauncher {
 public:
  void JobCreated(const std::string& name) override {}
  void StopRequested(const std::string& name) override {}
};

// The server under test: the real handler and service over an in-memory store,
// built once (libFuzzer calls the target many times in one process) and reset
// to one known job before each input.
class Server {
 public:
  Server()
      : credentials_({{kAccessKey, kSecret, ""}, {kTokenAccessKey, kSecret, kToken}}),
        clock_(kServerTimeMs),
        ids_(/*seed=*/1),
        service_(store_, clock_, launcher_, ServiceOptions{}),
        api_(options_, credentials_, clock_, ids_) {
    RegisterTrainingJobOperations(api_, service_);
    // The operations the server does not serve yet echo their request, so
    // inputs for them still reach validation through the handler.
    const std::vector<std::string_view>& served = TrainingJobOperationNames();
    for (const sm::OperationDef& op : sm::Operations()) {
      if (std::find(served.begin(), served.end(), op.name) != served.end()) continue;
      echoed_.emplace_back(op.name);
      api_.Register(std::string(op.name), [](const Json& request) -> Result<Json> { return request; });
    }
  }

  const ApiOptions& options() const { return options_; }
  // Whether `operation` echoes its request instead of reaching the service.
  bool Echoes(std::string_view operation) const {
    return std::find(echoed_.begin(), echoed_.end(), operation) != echoed_.end();
  }
  TrainingJobService& service() { return service_; }

  void Reset() {
    store_.Clear();
    clock_.SetMs(kServerTimeMs);
    Result<Json> seed = ParseJson(kSeedJob);
    if (!seed.ok() || !service_.CreateTrainingJob(*seed).ok()) {
      Fail("creating the seed job failed", "CreateTrainingJob", kSeedJob);
    }
  }

  // Sends `body` as `in` says to sign it.
  ApiResponse Send(const FuzzInput& in, std::string_view body) const {
    const Credential credential = in.session_token ? Credential{kTokenAccessKey, kSecret, kToken}
                                                   : Credential{kAccessKey, kSecret, ""};
    BotocoreSigningOptions signing;
    signing.use_date_header = in.date_header;
    signing.send_content_sha256 = in.content_sha256;
    const EpochMs signed_at = kServerTimeMs - (in.skewed ? 299'000 : 0);
    HttpRequestView request;
    request.method = "POST";
    request.path = "/";
    request.headers =
        SignLikeBotocore(credential, "SageMaker." + in.operation, body, signed_at, signing);
    request.body = body;
    return api_.Handle(request);
  }

 private:
  ApiOptions options_;
  StaticCredentialSource credentials_;
  FakeClock clock_;
  RandomIdGenerator ids_;
  MemoryJobStore store_;
  IdleLauncher launcher_;
  TrainingJobService service_;
  ApiHandler api_;
  std::vector<std::string_view> echoed_;
};

void CheckResponse(const Server& server, const ApiResponse& response, const Verdict& direct,
                   const FuzzInput& in) {
  const ApiOptions& api = server.options();
  if (in.body.size() > api.max_body_bytes) {
    if (response.status != 413) Fail("an oversized body was not refused", in.operation, "");
    return;
  }
  Result<Json> body = ParseJson(response.body, {.max_depth = 256});
  if (!body.ok()) Fail("the response body is not a JSON object", in.operation, in.body, response.body);
  const std::string type = GetString(*body, "__type");
  if (response.status >= 500) Fail("the handler answered 5xx", in.operation, in.body, response.body);
  if (type.find("Signature") != std::string::npos || type == "UnrecognizedClientException" ||
      type == "MissingAuthenticationTokenException") {
    Fail("the handler refused a correctly signed request", in.operation, in.body, response.body);
  }
  if (!in.served) {
    if (type != "UnknownOperationException") {
      Fail("an unserved operation was not refused", in.operation, in.body, response.body);
    }
    return;
  }
  if (direct.error) {
    if (response.status != ToAwsError(*direct.error).http_status ||
        response.body != AwsErrorBody(*direct.error)) {
      Fail("the handler and the direct path disagree", in.operation, in.body,
           response.body + " vs " + AwsErrorBody(*direct.error));
    }
    return;
  }
  if (server.Echoes(in.operation)) {
    if (response.status != 200 || response.body != DumpJson(*direct.parsed)) {
      Fail("the handler did not pass the parsed request on", in.operation, in.body, response.body);
    }
    return;
  }
  if (response.status == 200 && type.empty()) return;
  if (response.status != 400) Fail("unexpected status", in.operation, in.body, response.body);
}

// A job the fuzzer created must read back through DescribeTrainingJob.
void CheckCreatedJob(Server& server, const Verdict& direct, const FuzzInput& in) {
  const Json request = {{"TrainingJobName", GetString(*direct.parsed, "TrainingJobName")}};
  Result<Json> described = server.service().DescribeTrainingJob(request);
  if (!described.ok()) {
    Fail("a created job cannot be described", in.operation, in.body, described.error().ToString());
  }
  if (!ParseJson(DumpJson(*described), {.max_depth = 256}).ok()) {
    Fail("DescribeTrainingJob's response does not round-trip", in.operation, in.body);
  }
}

// The names of the members of `operation`'s input shape.
std::vector<std::string_view> InputMembers(std::string_view operation) {
  std::vector<std::string_view> names;
  for (const sm::OperationDef& op : sm::Operations()) {
    if (op.name != operation) continue;
    const sm::ShapeDef& shape = sm::Shapes()[op.input];
    for (uint16_t i = shape.member_begin; i < shape.member_end; ++i) {
      names.push_back(sm::Members()[i].name);
    }
  }
  return names;
}

// validation.h: "A member set to JSON null counts as absent". For each
// member of a valid request, the service must answer the request with that
// member null exactly as it answers it without the member, from the same
// state.
void CheckNullMeansAbsent(Server& server, const Json& request, const FuzzInput& in) {
  for (std::string_view name : InputMembers(in.operation)) {
    const std::string key(name);
    auto it = request.find(key);
    if (it == request.end() || it->is_null()) continue;
    Json with_null = request;
    with_null[key] = nullptr;
    Json without = request;
    without.erase(key);
    server.Reset();
    const ApiResponse a = server.Send(in, DumpJson(with_null));
    server.Reset();
    const ApiResponse b = server.Send(in, DumpJson(without));
    if (a.status != b.status || a.body != b.body) {
      Fail("a member set to null is not treated as absent", in.operation, in.body,
           key + ": " + std::to_string(a.status) + " " + a.body + " vs " +
               std::to_string(b.status) + " " + b.body);
    }
  }
}

// The harness is useless if its signatures are wrong: everything would stop
// at SigV4. Checks SignLikeBotocore against botocore's own signatures
// (tests/data/sigv4_botocore.json).
void CheckSignerAgainstBotocore() {
  struct Vector {
    const char* name;
    bool session_token, date_header, content_sha256;
    const char* target;
    const char* body;
    const char* signature;
  };
  const Vector kVectors[] = {
      {"describe_training_job", false, false, false, "SageMaker.DescribeTrainingJob",
       R"({"TrainingJobName": "x"})",
       "db58fec6793f2e593202126ccf4d8162c96745479e333da92897d72d85ae2fbb"},
      {"session_token", true, false, false, "SageMaker.StopTrainingJob",
       R"({"TrainingJobName": "with-token"})",
       "f89d2535c1e2a3e6aecf74d436117e65ccd59fc601e55a017903d056b8369208"},
      {"date_header_instead_of_x_amz_date", false, true, false, "SageMaker.DescribeTrainingJob",
       R"({"TrainingJobName": "dated"})",
       "a0024505cd244c9db159554c28015ad8f11971f4c31715a1d6c0c0868000bdd4"},
      {"content_sha256_header", false, false, true, "SageMaker.DescribeTrainingJob",
       R"({"TrainingJobName": "hashed"})",
       "4c04ca02c2e86d0e29fa09aa170ffe8479981c8f40b1ba38f8d24ad01d6256f3"},
  };
  for (const Vector& v : kVectors) {
    // The fixture signs every case with the same key id; only the token differs.
    const Credential credential{kAccessKey, kSecret, v.session_token ? kToken : ""};
    BotocoreSigningOptions options;
    options.use_date_header = v.date_header;
    options.send_content_sha256 = v.content_sha256;
    std::string authorization;
    for (const auto& [name, value] :
         SignLikeBotocore(credential, v.target, v.body, kServerTimeMs, options)) {
      if (name == "Authorization") authorization = value;
    }
    if (!authorization.ends_with(std::string("Signature=") + v.signature)) {
      Fail("SignLikeBotocore disagrees with botocore", v.name, v.body, authorization);
    }
  }
}

}  // namespace
}  // namespace trainyard

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  trainyard::CheckSignerAgainstBotocore();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trainyard;
  static Server* server = new Server();  // lives for the process, as the fuzzer does
  const FuzzInput in = Split(data, size);
  const Verdict direct = RunDirect(in, server->options());
  server->Reset();
  const ApiResponse response = server->Send(in, in.body);
  static const bool verbose = std::getenv("REQUEST_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%s -> %d %s\n", in.operation.c_str(), response.status,
                 response.body.c_str());
  }
  CheckResponse(*server, response, direct, in);
  if (in.operation == "CreateTrainingJob" && response.status == 200) {
    CheckCreatedJob(*server, direct, in);
  }
  if (in.served && !direct.error && !server->Echoes(in.operation)) {
    CheckNullMeansAbsent(*server, *direct.parsed, in);
  }
  return 0;
}
