#include "cli/api_client.h"

#include <curl/curl.h>

#include <cstdlib>
#include <fstream>
#include <map>

namespace trainyard {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string FirstNonEmpty(std::initializer_list<std::string> values) {
  for (const std::string& v : values) {
    if (!v.empty()) return v;
  }
  return "";
}

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Reads one profile of an AWS INI credentials file by name.
Result<Credential> ProfileCredential(const std::string& path, const std::string& profile) {
  std::ifstream in(path);
  if (!in) return MakeError(ErrorCode::kNotFound, "no credentials file " + path);
  std::string line, section;
  std::map<std::string, std::string> values;
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(" \t\r"));
    s.erase(s.find_last_not_of(" \t\r") + 1);
    return s;
  };
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    size_t eq = line.find('=');
    if (section == profile && eq != std::string::npos) {
      values[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
    }
  }
  if (values["aws_access_key_id"].empty() || values["aws_secret_access_key"].empty()) {
    return MakeError(ErrorCode::kNotFound, "no profile [" + profile + "] with keys in " + path);
  }
  return Credential{values["aws_access_key_id"], values["aws_secret_access_key"],
                    values["aws_session_token"]};
}

}  // namespace

Result<ClientConfig> ResolveClientConfig(const std::string& endpoint_flag,
                                         const std::string& region_flag,
                                         const std::string& profile_flag) {
  ClientConfig config;
  config.endpoint_url = FirstNonEmpty({endpoint_flag, Env("TRAINYARD_ENDPOINT_URL"),
                                       Env("AWS_ENDPOINT_URL_SAGEMAKER"), Env("AWS_ENDPOINT_URL"),
                                       "http://127.0.0.1:8080"});
  while (!config.endpoint_url.empty() && config.endpoint_url.back() == '/') config.endpoint_url.pop_back();
  config.region = FirstNonEmpty({region_flag, Env("AWS_REGION"), Env("AWS_DEFAULT_REGION"), "us-east-1"});
  config.ca_file = Env("AWS_CA_BUNDLE");
  if (profile_flag.empty() && !Env("AWS_ACCESS_KEY_ID").empty()) {
    config.credential = {Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"), Env("AWS_SESSION_TOKEN")};
    return config;
  }
  std::string path = FirstNonEmpty({Env("AWS_SHARED_CREDENTIALS_FILE"), Env("HOME") + "/.aws/credentials"});
  std::string profile = FirstNonEmpty({profile_flag, Env("AWS_PROFILE"), "default"});
  Result<Credential> credential = ProfileCredential(path, profile);
  if (!credential.ok()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --profile (" +
                         credential.error().message + ")");
  }
  config.credential = *credential;
  return config;
}

ApiClient::ApiClient(ClientConfig config) : config_(std::move(config)), curl_(curl_easy_init()) {}

ApiClient::~ApiClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Result<Json> ApiClient::Call(const std::string& operation, const Json& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (!curl) return MakeError(ErrorCode::kInternal, "libcurl failed to initialise");
  curl_easy_reset(curl);
  std::string body = DumpJson(request);
  std::string response;
  std::string sigv4 = "aws:amz:" + config_.region + ":sagemaker";
  std::string userpwd = config_.credential.access_key_id + ":" + config_.credential.secret_access_key;

  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/x-amz-json-1.1");
  std::string target = operation.find('.') == std::string::npos ? "SageMaker." + operation : operation;
  headers = curl_slist_append(headers, ("X-Amz-Target: " + target).c_str());
  if (!config_.credential.session_token.empty()) {
    headers = curl_slist_append(headers, ("X-Amz-Security-Token: " + config_.credential.session_token).c_str());
  }
  std::string url = config_.endpoint_url + "/";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, config_.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (!config_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, config_.ca_file.c_str());
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return MakeError(ErrorCode::kUnavailable,
                     "calling " + config_.endpoint_url + ": " + curl_easy_strerror(rc));
  }
  Result<Json> parsed = ParseJson(response.empty() ? "{}" : response);
  if (status >= 300) {
    std::string type = parsed.ok() ? GetString(*parsed, "__type", std::to_string(status)) : std::to_string(status);
    std::string message = parsed.ok() ? GetString(*parsed, "message", GetString(*parsed, "Message")) : response;
    type = type.substr(type.rfind('#') + 1);
    return MakeError(status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kInvalidArgument,
                     type + ": " + message);
  }
  if (!parsed.ok()) return parsed.error().WithContext("response from " + config_.endpoint_url);
  return parsed;
}

}  // namespace trainyard
