#include "api/sigv4.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "common/json.h"

namespace trainyard {
namespace {

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kAkid[] = "AKIDEXAMPLE";
constexpr EpochMs kVectorTimeMs = 1'795'801'139'000;  // 2026-11-27T17:38:59Z
constexpr char kVectorSignature[] =
    "db58fec6793f2e593202126ccf4d8162c96745479e333da92897d72d85ae2fbb";
constexpr char kMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
constexpr char kBadToken[] = "The security token included in the request is invalid.";

// A request that owns its bytes; View() is what the server would hand over.
struct OwnedRequest {
  std::string method = "POST";
  std::string path = "/";
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  HttpRequestView View() const { return HttpRequestView{method, path, query, headers, body}; }

  std::string* Find(std::string_view name) {
    for (auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return &v;
      }
    }
    return nullptr;
  }
  void Set(std::string_view name, std::string value) {
    if (std::string* v = Find(name)) *v = std::move(value);
    else headers.emplace_back(std::string(name), std::move(value));
  }
  void Remove(std::string_view name) {
    std::erase_if(headers, [&](const auto& h) { return Find(name) == &h.second; });
  }
  // Replaces the first `from` in header `name` by `to`.
  void Edit(std::string_view name, std::string_view from, std::string_view to) {
    std::string* v = Find(name);
    ASSERT_NE(v, nullptr) << name;
    size_t pos = v->find(from);
    ASSERT_NE(pos, std::string::npos) << from << " in " << *v;
    v->replace(pos, from.size(), to);
  }
};

// The published test vector (contract reference, section 1.4).
OwnedRequest PublishedVector() {
  OwnedRequest r;
  r.body = R"({"TrainingJobName": "x"})";
  r.headers = {
      {"Content-Type", "application/x-amz-json-1.1"},
      {"Host", "127.0.0.1:18080"},
      {"X-Amz-Date", "20261127T173859Z"},
      {"X-Amz-Target", "SageMaker.DescribeTrainingJob"},
      {"Authorization",
       std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/sagemaker/"
                   "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                   "Signature=") + kVectorSignature},
      {"User-Agent", "Boto3/1.34.0"},
      {"Content-Length", "24"},
  };
  return r;
}

// What a case may change besides the request.
struct Conditions {
  SigV4Options options;
  std::vector<Credential> credentials = {{kAkid, kSecret, ""}};
  EpochMs now = kVectorTimeMs;
};

Result<std::string> Verify(const OwnedRequest& request, const Conditions& setup) {
  StaticCredentialSource source(setup.credentials);
  return VerifySigV4(request.View(), source, setup.options, setup.now);
}

TEST(SigV4Test, PublishedVectorVerifies) {
  Result<std::string> r = Verify(PublishedVector(), Conditions{});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, kAkid);
}

// ---------------------------------------------------------------------------
// Variations that must still verify.

struct AcceptCase {
  const char* name;
  std::function<void(OwnedRequest&, Conditions&)> change;
};

void PrintTo(const AcceptCase& c, std::ostream* os) { *os << c.name; }

class SigV4AcceptTest : public testing::TestWithParam<AcceptCase> {};

TEST_P(SigV4AcceptTest, Verifies) {
  OwnedRequest request = PublishedVector();
  Conditions setup;
  GetParam().change(request, setup);
  Result<std::string> r = Verify(request, setup);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, kAkid);
}

const AcceptCase kAcceptCases[] = {
    {"CommaOnlySeparators",
     [](OwnedRequest& r, Conditions&) {
       r.Edit("Authorization", ", SignedHeaders", ",SignedHeaders");
       r.Edit("Authorization", ", Signature", ",Signature");
     }},
    {"ExtraSpacesAroundParameters",
     [](OwnedRequest& r, Conditions&) {
       r.Edit("Authorization", "AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256   ");
       r.Edit("Authorization", ", SignedHeaders", " ,  SignedHeaders");
     }},
    {"ParametersInAnotherOrder",
     [](OwnedRequest& r, Conditions&) {
       r.Set("Authorization",
             std::string("AWS4-HMAC-SHA256 Signature=") + kVectorSignature +
                 ", SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                 "Credential=AKIDEXAMPLE/20261127/us-east-1/sagemaker/aws4_request");
     }},
    {"LowercaseHeaderNames",
     [](OwnedRequest& r, Conditions&) {
       for (auto& [k, v] : r.headers) {
         for (char& c : k) c = static_cast<char>(std::tolower(c));
       }
     }},
    {"HeadersInAnotherOrder",
     [](OwnedRequest& r, Conditions&) { std::reverse(r.headers.begin(), r.headers.end()); }},
    {"SignedValueWithSurroundingWhitespace",
     [](OwnedRequest& r, Conditions&) { r.Set("Host", " \t127.0.0.1:18080  "); }},
    {"UnsignedHeadersChangeFreely",
     [](OwnedRequest& r, Conditions&) {
       r.Set("User-Agent", "something else");
       r.Set("amz-sdk-request", "attempt=2; max=5");
     }},
    {"LowercaseMethod", [](OwnedRequest& r, Conditions&) { r.method = "post"; }},
    {"ClockBehindByExactlyMaxSkew", [](OwnedRequest&, Conditions& s) { s.now += 300'000; }},
    {"ClockAheadByExactlyMaxSkew", [](OwnedRequest&, Conditions& s) { s.now -= 300'000; }},
    {"LargerConfiguredSkew", [](OwnedRequest&, Conditions& s) {
       s.options.max_skew_seconds = 900;
       s.now += 899'000;
     }},
    {"SeveralCredentials", [](OwnedRequest&, Conditions& s) {
       s.credentials.insert(s.credentials.begin(), Credential{"AKIDOTHER", "other", ""});
     }},
};

INSTANTIATE_TEST_SUITE_P(Variations, SigV4AcceptTest, testing::ValuesIn(kAcceptCases),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------
// Requests that must be refused, with the code and (part of) the message.

struct RejectCase {
  const char* name;
  std::function<void(OwnedRequest&, Conditions&)> change;
  ErrorCode code;
  const char* message_part;
};

void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.name; }

class SigV4RejectTest : public testing::TestWithParam<RejectCase> {};

TEST_P(SigV4RejectTest, Refuses) {
  OwnedRequest request = PublishedVector();
  Conditions setup;
  GetParam().change(request, setup);
  Result<std::string> r = Verify(request, setup);
  ASSERT_FALSE(r.ok()) << "verified as " << *r;
  EXPECT_EQ(ErrorCodeName(r.error().code), ErrorCodeName(GetParam().code)) << r.error().message;
  EXPECT_NE(r.error().message.find(GetParam().message_part), std::string::npos)
      << r.error().message;
}

void SetAuthorization(OwnedRequest& r, std::string value) { r.Set("Authorization", value); }

const RejectCase kRejectCases[] = {
    // Missing or malformed Authorization.
    {"NoAuthorization", [](OwnedRequest& r, Conditions&) { r.Remove("Authorization"); },
     ErrorCode::kMissingAuthentication, "Missing Authentication Token"},
    {"EmptyAuthorization", [](OwnedRequest& r, Conditions&) { SetAuthorization(r, "  "); },
     ErrorCode::kMissingAuthentication, "Missing Authentication Token"},
    {"TwoAuthorizationHeaders",
     [](OwnedRequest& r, Conditions&) {
       r.headers.emplace_back("authorization", *r.Find("Authorization"));
     },
     ErrorCode::kIncompleteSignature, "more than one 'Authorization'"},
    {"OtherScheme", [](OwnedRequest& r, Conditions&) { SetAuthorization(r, "Basic dXNlcjpwYXNz"); },
     ErrorCode::kIncompleteSignature, "Unsupported AWS 'algorithm': 'Basic'"},
    {"SigV2Style",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"); },
     ErrorCode::kIncompleteSignature, "Unsupported AWS 'algorithm'"},
    {"AlgorithmOnly", [](OwnedRequest& r, Conditions&) { SetAuthorization(r, "AWS4-HMAC-SHA256"); },
     ErrorCode::kIncompleteSignature,
     "Authorization header requires 'Credential' parameter. Authorization header requires "
     "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
     "Authorization=AWS4-HMAC-SHA256"},
    {"NoSignature",
     [](OwnedRequest& r, Conditions&) {
       r.Edit("Authorization", std::string(", Signature=") + kVectorSignature, "");
     },
     ErrorCode::kIncompleteSignature, "requires 'Signature' parameter"},
    {"EmptySignedHeaders",
     [](OwnedRequest& r, Conditions&) {
       r.Edit("Authorization", "content-type;host;x-amz-date;x-amz-target", "");
     },
     ErrorCode::kIncompleteSignature, "requires 'SignedHeaders' parameter"},
    {"NoDateAtAll", [](OwnedRequest& r, Conditions&) { r.Remove("X-Amz-Date"); },
     ErrorCode::kIncompleteSignature,
     "requires existence of either a 'X-Amz-Date' or a 'Date' header"},
    {"ElementWithoutEquals",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", ", Signature", ", garbage, Signature"); },
     ErrorCode::kIncompleteSignature,
     "'garbage' not a valid key=value pair (missing equal-sign) in Authorization header"},
    {"RepeatedParameter",
     [](OwnedRequest& r, Conditions&) {
       r.Edit("Authorization", ", Signature", ", Signature=abc, Signature");
     },
     ErrorCode::kIncompleteSignature, "more than one 'Signature' parameter"},
    {"CredentialWithFourElements",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "/sagemaker/", "/"); },
     ErrorCode::kIncompleteSignature, "Credential must have exactly 5 slash-delimited elements"},
    {"CredentialWithSixElements",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "aws4_request", "aws4_request/x"); },
     ErrorCode::kIncompleteSignature, "Credential must have exactly 5 slash-delimited elements"},
    {"CredentialWithEmptyKeyId",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "AKIDEXAMPLE/", "/"); },
     ErrorCode::kIncompleteSignature, "Credential must have exactly 5 slash-delimited elements"},
    {"ShortSignature",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", kVectorSignature + 60, ""); },
     ErrorCode::kIncompleteSignature, "Signature must be 64 lowercase hexadecimal characters"},
    {"UppercaseSignature",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "db58fec", "DB58FEC"); },
     ErrorCode::kIncompleteSignature, "Signature must be 64 lowercase hexadecimal characters"},
    {"UnsortedSignedHeaders",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "content-type;host", "host;content-type"); },
     ErrorCode::kIncompleteSignature, "SignedHeaders must be lowercase header names"},
    {"UppercaseSignedHeader",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "content-type;", "Content-Type;"); },
     ErrorCode::kIncompleteSignature, "SignedHeaders must be lowercase header names"},
    {"EmptySignedHeaderEntry",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "host;", "host;;"); },
     ErrorCode::kIncompleteSignature, "SignedHeaders must be lowercase header names"},
    // Timestamp.
    {"ExtendedIsoDate",
     [](OwnedRequest& r, Conditions&) { r.Set("X-Amz-Date", "2026-11-27T17:38:59Z"); },
     ErrorCode::kIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '2026-11-27"},
    {"MonthThirteen", [](OwnedRequest& r, Conditions&) { r.Set("X-Amz-Date", "20261327T173859Z"); },
     ErrorCode::kIncompleteSignature, "Date must be in ISO-8601 'basic format'"},
    {"NoSuchDay", [](OwnedRequest& r, Conditions&) { r.Set("X-Amz-Date", "20260230T173859Z"); },
     ErrorCode::kIncompleteSignature, "Date must be in ISO-8601 'basic format'"},
    {"TwoDates",
     [](OwnedRequest& r, Conditions&) { r.headers.emplace_back("X-Amz-Date", "20261127T173859Z"); },
     ErrorCode::kIncompleteSignature, "more than one 'X-Amz-Date'"},
    {"UnparsableDateHeader",
     [](OwnedRequest& r, Conditions&) {
       r.Remove("X-Amz-Date");
       r.Set("Date", "yesterday");
     },
     ErrorCode::kIncompleteSignature, "Date header must be an RFC 1123 date"},
    // Scope.
    {"ScopeDateIsNotRequestDate",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "/20261127/", "/20261126/"); },
     ErrorCode::kInvalidSignature,
     "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
     "HTTP: '20261126' != '20261127', from '20261127T173859Z'."},
    {"WrongRegion", [](OwnedRequest&, Conditions& s) { s.options.region = "eu-west-1"; },
     ErrorCode::kInvalidSignature, "Credential should be scoped to a valid region, not 'us-east-1'"},
    {"WrongService", [](OwnedRequest&, Conditions& s) { s.options.service = "s3"; },
     ErrorCode::kInvalidSignature, "Credential should be scoped to correct service: 's3'"},
    {"WrongTerminator",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "aws4_request", "aws4_reqest"); },
     ErrorCode::kInvalidSignature,
     "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'"},
    // Headers that must be signed.
    {"HostNotSigned",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "content-type;host;", "content-type;"); },
     ErrorCode::kIncompleteSignature,
     "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
    {"DateNotSigned",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", ";x-amz-date;", ";"); },
     ErrorCode::kIncompleteSignature, "'X-Amz-Date' must be a 'SignedHeader'"},
    {"DateHeaderNotSigned",
     [](OwnedRequest& r, Conditions&) {
       r.Remove("X-Amz-Date");
       r.Set("Date", "Fri, 27 Nov 2026 17:38:59 GMT");
     },
     ErrorCode::kIncompleteSignature, "'Date' must be a 'SignedHeader'"},
    {"ContentSha256NotSigned",
     [](OwnedRequest& r, Conditions&) {
       r.Set("X-Amz-Content-SHA256",
             "6d83d25dc8b74c846be9b55abda55ae1f68298398cc6e3419a7ca5acaf337c20");
     },
     ErrorCode::kIncompleteSignature, "'X-Amz-Content-SHA256' must be a 'SignedHeader'"},
    {"ContentSha256DisagreesWithBody",
     [](OwnedRequest& r, Conditions&) {
       r.Set("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD");
       r.Edit("Authorization", "x-amz-date;", "x-amz-content-sha256;x-amz-date;");
     },
     ErrorCode::kInvalidSignature, "'x-amz-content-sha256' header does not match"},
    // Clock skew, both ways.
    {"Expired", [](OwnedRequest&, Conditions& s) { s.now += 301'000; },
     ErrorCode::kSignatureExpired,
     "Signature expired: 20261127T173859Z is now earlier than 20261127T173900Z "
     "(20261127T174400Z - 5 min.)"},
    {"FromTheFuture", [](OwnedRequest&, Conditions& s) { s.now -= 301'000; },
     ErrorCode::kSignatureExpired,
     "Signature not yet current: 20261127T173859Z is still later than 20261127T173858Z "
     "(20261127T173358Z + 5 min.)"},
    {"ExpiredUnderCustomSkew",
     [](OwnedRequest&, Conditions& s) {
       s.options.max_skew_seconds = 90;
       s.now += 91'000;
     },
     ErrorCode::kSignatureExpired, "(20261127T174030Z - 90 sec.)"},
    // Who is asking.
    {"UnknownAccessKey", [](OwnedRequest&, Conditions& s) { s.credentials[0].access_key_id = "AKIDX"; },
     ErrorCode::kUnrecognizedClient, kBadToken},
    {"NoCredentialsAtAll", [](OwnedRequest&, Conditions& s) { s.credentials.clear(); },
     ErrorCode::kUnrecognizedClient, kBadToken},
    {"TokenRequiredButAbsent",
     [](OwnedRequest&, Conditions& s) { s.credentials[0].session_token = "session-token"; },
     ErrorCode::kUnrecognizedClient, kBadToken},
    {"WrongToken",
     [](OwnedRequest& r, Conditions& s) {
       s.credentials[0].session_token = "session-token";
       r.Set("X-Amz-Security-Token", "session-tokeN");
       r.Edit("Authorization", "x-amz-date;", "x-amz-date;x-amz-security-token;");
     },
     ErrorCode::kUnrecognizedClient, kBadToken},
    {"TokenPrefixOnly",
     [](OwnedRequest& r, Conditions& s) {
       s.credentials[0].session_token = "session-token";
       r.Set("X-Amz-Security-Token", "session");
       r.Edit("Authorization", "x-amz-date;", "x-amz-date;x-amz-security-token;");
     },
     ErrorCode::kUnrecognizedClient, kBadToken},
    {"RightTokenButUnsigned",
     [](OwnedRequest& r, Conditions& s) {
       s.credentials[0].session_token = "session-token";
       r.Set("X-Amz-Security-Token", "session-token");
     },
     ErrorCode::kIncompleteSignature, "'X-Amz-Security-Token' must be a 'SignedHeader'"},
    {"TokenForCredentialWithoutOne",
     [](OwnedRequest& r, Conditions&) { r.Set("X-Amz-Security-Token", "session-token"); },
     ErrorCode::kUnrecognizedClient, kBadToken},
    // Signature mismatch.
    {"WrongSecret", [](OwnedRequest&, Conditions& s) { s.credentials[0].secret_access_key += "x"; },
     ErrorCode::kInvalidSignature, kMismatch},
    {"BodyChanged", [](OwnedRequest& r, Conditions&) { r.body = R"({"TrainingJobName": "y"})"; },
     ErrorCode::kInvalidSignature, kMismatch},
    {"TargetChanged",
     [](OwnedRequest& r, Conditions&) { r.Set("X-Amz-Target", "SageMaker.DeleteTrainingJob"); },
     ErrorCode::kInvalidSignature, kMismatch},
    {"HostChanged", [](OwnedRequest& r, Conditions&) { r.Set("Host", "127.0.0.1:18081"); },
     ErrorCode::kInvalidSignature, kMismatch},
    {"SignedHeaderRepeated",
     [](OwnedRequest& r, Conditions&) { r.headers.emplace_back("x-amz-target", "SageMaker.X"); },
     ErrorCode::kInvalidSignature, kMismatch},
    {"SignedHeaderMissing", [](OwnedRequest& r, Conditions&) { r.Remove("Content-Type"); },
     ErrorCode::kInvalidSignature, kMismatch},
    {"PathChanged", [](OwnedRequest& r, Conditions&) { r.path = "/admin"; },
     ErrorCode::kInvalidSignature, kMismatch},
    {"QueryAdded", [](OwnedRequest& r, Conditions&) { r.query = "a=1"; },
     ErrorCode::kInvalidSignature, kMismatch},
    {"MethodChanged", [](OwnedRequest& r, Conditions&) { r.method = "PUT"; },
     ErrorCode::kInvalidSignature, kMismatch},
    {"SignatureChanged",
     [](OwnedRequest& r, Conditions&) { r.Edit("Authorization", "2fbb", "2fbc"); },
     ErrorCode::kInvalidSignature, kMismatch},
};

INSTANTIATE_TEST_SUITE_P(Errors, SigV4RejectTest, testing::ValuesIn(kRejectCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(SigV4Test, ExactMessagesForTheCommonErrors) {
  Conditions setup;
  OwnedRequest request = PublishedVector();
  request.Remove("Authorization");
  EXPECT_EQ(Verify(request, setup).error().message, "Missing Authentication Token");

  setup.credentials.clear();
  EXPECT_EQ(Verify(PublishedVector(), setup).error().message, kBadToken);

  setup = Conditions{};
  setup.credentials[0].secret_access_key = "not the secret";
  EXPECT_EQ(Verify(PublishedVector(), setup).error().message, kMismatch);

  setup = Conditions{};
  setup.now += 313'000;  // 20261127T174412Z
  EXPECT_EQ(Verify(PublishedVector(), setup).error().message,
            "Signature expired: 20261127T173859Z is now earlier than 20261127T173912Z "
            "(20261127T174412Z - 5 min.)");
}

TEST(SigV4Test, LongAuthorizationIsNotEchoedInFull) {
  OwnedRequest request = PublishedVector();
  request.Set("Authorization", "AWS4-HMAC-SHA256 " + std::string(10'000, 'A'));
  Result<std::string> r = Verify(request, Conditions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kIncompleteSignature);
  EXPECT_LT(r.error().message.size(), 2'000u);
}

TEST(SigV4Test, StaticCredentialSourceLooksUpByAccessKeyId) {
  StaticCredentialSource source({{"AKID1", "s1", ""}, {"AKID2", "s2", "t2"}});
  EXPECT_FALSE(source.empty());
  ASSERT_TRUE(source.Lookup("AKID2").has_value());
  EXPECT_EQ(source.Lookup("AKID2")->secret_access_key, "s2");
  EXPECT_EQ(source.Lookup("AKID2")->session_token, "t2");
  EXPECT_FALSE(source.Lookup("AKID").has_value());
  EXPECT_FALSE(source.Lookup("akid1").has_value());
  EXPECT_TRUE(StaticCredentialSource({}).empty());
}

// ---------------------------------------------------------------------------
// Requests signed by botocore (tests/data/sigv4_botocore.json, written by
// tools/make_sigv4_fixtures.py).

struct BotocoreCase {
  std::string name;
  OwnedRequest request;
  Conditions setup;
  std::string signed_headers;
};

std::filesystem::path SourceDir() {
  if (const char* dir = std::getenv("TRAINYARD_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

std::vector<BotocoreCase> LoadBotocoreCases() {
  std::filesystem::path path = SourceDir() / "tests" / "data" / "sigv4_botocore.json";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<Json> doc = ParseJson(text);
  EXPECT_TRUE(doc.ok()) << path << ": " << doc.error().ToString();
  std::vector<BotocoreCase> cases;
  if (!doc.ok()) return cases;
  for (const Json& c : (*doc)["cases"]) {
    BotocoreCase bc;
    bc.name = c.at("name").get<std::string>();
    bc.request.method = c.at("method").get<std::string>();
    bc.request.path = c.at("path").get<std::string>();
    bc.request.query = c.at("query").get<std::string>();
    bc.request.body = c.at("body").get<std::string>();
    for (const Json& h : c.at("headers")) {
      bc.request.headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
    }
    bc.setup.credentials = {{c.at("akid").get<std::string>(), c.at("secret").get<std::string>(),
                             c.at("token").get<std::string>()}};
    bc.setup.options.region = c.at("region").get<std::string>();
    bc.setup.options.service = c.at("service").get<std::string>();
    bc.setup.now = c.at("epoch_seconds").get<int64_t>() * 1000;
    const std::string& auth = *bc.request.Find("Authorization");
    size_t from = auth.find("SignedHeaders=") + 14;
    bc.signed_headers = auth.substr(from, auth.find(',', from) - from);
    cases.push_back(std::move(bc));
  }
  return cases;
}

// Replaces the middle byte of `s` with another non-space byte.
void FlipMiddle(std::string& s) {
  if (s.empty()) {
    s = "x";
    return;
  }
  char& c = s[s.size() / 2];
  c = c == 'x' ? 'y' : 'x';
}

TEST(SigV4BotocoreTest, FixturesCoverTheCasesWeRelyOn) {
  std::vector<BotocoreCase> cases = LoadBotocoreCases();
  std::vector<std::string> names;
  for (const auto& c : cases) names.push_back(c.name);
  for (const char* wanted :
       {"describe_training_job", "session_token", "unicode_body", "header_with_internal_whitespace",
        "repeated_header", "date_header_instead_of_x_amz_date", "path_and_query_normalisation"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), wanted), names.end()) << wanted;
  }
}

TEST(SigV4BotocoreTest, EverySignedRequestVerifies) {
  for (const BotocoreCase& c : LoadBotocoreCases()) {
    SCOPED_TRACE(c.name);
    Result<std::string> r = Verify(c.request, c.setup);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(*r, c.setup.credentials[0].access_key_id);
  }
}

TEST(SigV4BotocoreTest, UnsignedHeadersAndWhitespaceRunsDoNotMatter) {
  for (BotocoreCase c : LoadBotocoreCases()) {
    SCOPED_TRACE(c.name);
    c.request.Set("User-Agent", "curl/8.0");
    c.request.headers.emplace_back("X-Forwarded-For", "10.0.0.1");
    if (std::string* note = c.request.Find("X-Trainyard-Note")) *note = "several spaces and tabs inside";
    EXPECT_TRUE(Verify(c.request, c.setup).ok());
  }
}

TEST(SigV4BotocoreTest, ChangingTheBodyFails) {
  for (BotocoreCase c : LoadBotocoreCases()) {
    SCOPED_TRACE(c.name);
    FlipMiddle(c.request.body);
    Result<std::string> r = Verify(c.request, c.setup);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidSignature) << r.error().message;
  }
}

TEST(SigV4BotocoreTest, ChangingTheSignatureFails) {
  for (BotocoreCase c : LoadBotocoreCases()) {
    SCOPED_TRACE(c.name);
    std::string& auth = *c.request.Find("Authorization");
    char& last = auth.back();
    last = last == '0' ? '1' : '0';
    Result<std::string> r = Verify(c.request, c.setup);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, kMismatch);
  }
}

TEST(SigV4BotocoreTest, ChangingAnySignedHeaderFails) {
  int checked = 0;
  for (const BotocoreCase& original : LoadBotocoreCases()) {
    std::string_view rest = original.signed_headers;
    while (!rest.empty()) {
      std::string name(rest.substr(0, rest.find(';')));
      rest.remove_prefix(std::min(rest.size(), name.size() + 1));
      SCOPED_TRACE(original.name + " / " + name);
      BotocoreCase c = original;
      std::string* value = c.request.Find(name);
      ASSERT_NE(value, nullptr);
      FlipMiddle(*value);
      EXPECT_FALSE(Verify(c.request, c.setup).ok());
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

// ---------------------------------------------------------------------------
// Credentials files.

class CredentialsFileTest : public testing::Test {
 protected:
  std::string Write(std::string_view content) {
    std::filesystem::path path =
        std::filesystem::path(testing::TempDir()) /
        ("sigv4_credentials_" + std::to_string(::getpid()) + "_" + std::to_string(next_++));
    std::ofstream(path, std::ios::binary) << content;
    written_.push_back(path);
    return path.string();
  }
  ~CredentialsFileTest() override {
    for (const auto& p : written_) std::filesystem::remove(p);
  }

 private:
  int next_ = 0;
  std::vector<std::filesystem::path> written_;
};

TEST_F(CredentialsFileTest, ReadsProfilesCommentsAndWhitespace) {
  std::string path = Write(
      "# trainyard users\n"
      "[default]\n"
      "aws_access_key_id = AKIDEXAMPLE\n"
      "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
      "region = us-east-1\n"
      "\n"
      "; a temporary one\n"
      "[ ci ]\n"
      "  AWS_ACCESS_KEY_ID\t=\tASIATEMP  \n"
      "aws_secret_access_key = c2VjcmV0+/=\n"
      "aws_session_token = FwoGZXIvYXdzEXAMPLE==\n"
      "[settings-only]\n"
      "output = json\n");
  Result<std::vector<Credential>> r = LoadCredentialsFile(path);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ((*r)[0].secret_access_key, kSecret);
  EXPECT_EQ((*r)[0].session_token, "");
  EXPECT_EQ((*r)[1].access_key_id, "ASIATEMP");
  EXPECT_EQ((*r)[1].secret_access_key, "c2VjcmV0+/=");
  EXPECT_EQ((*r)[1].session_token, "FwoGZXIvYXdzEXAMPLE==");
}

TEST_F(CredentialsFileTest, AcceptsCrlfAndByteOrderMark) {
  Result<std::vector<Credential>> r = LoadCredentialsFile(
      Write("\xEF\xBB\xBF[default]\r\naws_access_key_id = A\r\naws_secret_access_key = S\r\n"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].access_key_id, "A");
  EXPECT_EQ((*r)[0].secret_access_key, "S");
}

TEST_F(CredentialsFileTest, EmptyFileHasNoCredentials) {
  Result<std::vector<Credential>> r = LoadCredentialsFile(Write("# nothing yet\n"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST_F(CredentialsFileTest, SameKeyUnderTwoProfilesIsListedOnce) {
  Result<std::vector<Credential>> r = LoadCredentialsFile(
      Write("[a]\naws_access_key_id=A\naws_secret_access_key=S\n"
            "[b]\naws_access_key_id=A\naws_secret_access_key=S\n"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 1u);
}

TEST_F(CredentialsFileTest, MissingFileIsNotFound) {
  Result<std::vector<Credential>> r =
      LoadCredentialsFile(testing::TempDir() + "/no-such-credentials-file");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

struct BadFileCase {
  const char* name;
  const char* content;
  const char* message_part;  // besides the path
};

void PrintTo(const BadFileCase& c, std::ostream* os) { *os << c.name; }

class CredentialsFileRejectTest : public CredentialsFileTest,
                                  public testing::WithParamInterface<BadFileCase> {};

TEST_P(CredentialsFileRejectTest, NamesTheLineAndHidesSecrets) {
  std::string path = Write(GetParam().content);
  Result<std::vector<Credential>> r = LoadCredentialsFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message.rfind(path + ":", 0), 0u) << r.error().message;
  EXPECT_NE(r.error().message.find(GetParam().message_part), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("SECRETVALUE"), std::string::npos) << r.error().message;
}

const BadFileCase kBadFiles[] = {
    {"KeyBeforeSection", "aws_access_key_id = A\n", ":1: 'key = value' before any"},
    {"LineWithoutEquals",
     "[default]\naws_access_key_id = A\naws_secret_access_key SECRETVALUE\n",
     ":3: expected '[profile]' or 'key = value'"},
    {"UnclosedSection", "# c\n[default\naws_access_key_id = A\n", ":2: malformed section"},
    {"EmptySectionName", "[ ]\n", ":1: malformed section"},
    {"MissingSecret", "[default]\naws_access_key_id = A\n[next]\n",
     ":1: section [default] needs both"},
    {"MissingKeyIdAtEnd", "[a]\naws_access_key_id=A\naws_secret_access_key=SECRETVALUE\n"
                          "[b]\naws_secret_access_key = SECRETVALUE\n",
     ":4: section [b] needs both"},
    {"TokenAlone", "[t]\naws_session_token = SECRETVALUE\n", ":1: section [t] needs both"},
    {"DuplicateKey",
     "[default]\naws_access_key_id = A\naws_access_key_id = B\naws_secret_access_key = S\n",
     ":3: duplicate key 'aws_access_key_id'"},
    {"DuplicateSection",
     "[a]\naws_access_key_id=A\naws_secret_access_key=S\n[a]\n", ":4: duplicate section [a]"},
    {"EmptyValue", "[a]\naws_access_key_id =\n", ":2: empty value for 'aws_access_key_id'"},
    {"SameKeyDifferentSecret",
     "[a]\naws_access_key_id=A\naws_secret_access_key=S1\n"
     "[b]\naws_access_key_id=A\naws_secret_access_key=SECRETVALUE\n",
     ":4: section [b] repeats access key id 'A'"},
};

INSTANTIATE_TEST_SUITE_P(Malformed, CredentialsFileRejectTest, testing::ValuesIn(kBadFiles),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace trainyard
