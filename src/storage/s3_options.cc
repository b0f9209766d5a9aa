#include "storage/s3_options.h"

#include <cstdlib>

#include "storage/s3_url.h"

namespace trainyard {
namespace {

// The variable's value, or nullopt when unset or empty.
std::optional<std::string> Read(const EnvironmentLookup& lookup, const std::string& name) {
  std::optional<std::string> value = lookup(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

Error Invalid(std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument, "invalid S3 options: " + std::string(why));
}

}  // namespace

Status ValidateS3Options(const S3Options& options) {
  if (!options.endpoint_url.empty()) TY_RETURN_IF_ERROR(ParseS3Endpoint(options.endpoint_url));
  if (options.region.empty()) return Invalid("empty region");
  if (!options.access_key_id.empty() && options.secret_access_key.empty()) {
    return Invalid("an access key id without a secret access key");
  }
  if (options.part_size_bytes < 1) return Invalid("part_size_bytes must be at least 1");
  if (options.multipart_threshold_bytes < 0) return Invalid("multipart_threshold_bytes must not be negative");
  if (options.parallelism < 1) return Invalid("parallelism must be at least 1");
  if (options.max_attempts < 1) return Invalid("max_attempts must be at least 1");
  if (options.backoff_base.count() < 0 || options.backoff_cap.count() < 0 ||
      options.connect_timeout.count() < 0 || options.low_speed_time.count() < 0 ||
      options.low_speed_limit_bytes_per_s < 0) {
    return Invalid("times and limits must not be negative");
  }
  return Ok();
}

EnvironmentLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

S3Options S3OptionsFromEnvironment(const EnvironmentLookup& lookup, const S3Settings& explicit_settings,
                                   S3Options base) {
  S3Options options = std::move(base);
  if (auto url = Read(lookup, "AWS_ENDPOINT_URL_S3")) {
    options.endpoint_url = *url;
  } else if (auto generic = Read(lookup, "AWS_ENDPOINT_URL")) {
    options.endpoint_url = *generic;
  }
  if (auto region = Read(lookup, "AWS_REGION")) {
    options.region = *region;
  } else if (auto fallback = Read(lookup, "AWS_DEFAULT_REGION")) {
    options.region = *fallback;
  }
  if (auto key = Read(lookup, "AWS_ACCESS_KEY_ID")) {
    options.access_key_id = *key;
    options.secret_access_key = Read(lookup, "AWS_SECRET_ACCESS_KEY").value_or("");
    options.session_token = Read(lookup, "AWS_SESSION_TOKEN").value_or("");
  }
  if (auto ca = Read(lookup, "AWS_CA_BUNDLE")) options.ca_file = *ca;
  if (auto style = Read(lookup, "TRAINYARD_S3_ADDRESSING_STYLE")) {
    if (*style == "auto") options.addressing_style = S3AddressingStyle::kAuto;
    if (*style == "path") options.addressing_style = S3AddressingStyle::kPath;
    if (*style == "virtual") options.addressing_style = S3AddressingStyle::kVirtual;
  }
  if (auto quirk = Read(lookup, "TRAINYARD_S3_LIST_WITHOUT_SLASH")) {
    options.list_without_slash = *quirk == "1" || *quirk == "true";
  }

  if (explicit_settings.endpoint_url) options.endpoint_url = *explicit_settings.endpoint_url;
  if (explicit_settings.region) options.region = *explicit_settings.region;
  if (explicit_settings.access_key_id) {
    options.access_key_id = *explicit_settings.access_key_id;
    options.secret_access_key = explicit_settings.secret_access_key.value_or("");
    options.session_token = explicit_settings.session_token.value_or("");
  } else {
    if (explicit_settings.secret_access_key) options.secret_access_key = *explicit_settings.secret_access_key;
    if (explicit_settings.session_token) options.session_token = *explicit_settings.session_token;
  }
  return options;
}

}  // namespace trainyard
