#include "fuzz/botocore_signer.h"

#include <algorithm>
#include <ctime>

#include "common/crypto.h"

namespace trainyard {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kContentType = "application/x-amz-json-1.1";

std::tm UtcTime(EpochMs time) {
  std::time_t seconds = static_cast<std::time_t>(time >= 0 ? time / 1000 : (time - 999) / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

std::string Format(const std::tm& tm, const char* format) {
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// botocore's signing key: HMAC chain over the scope's date, region and service.
std::string SigningKey(const Credential& credential, std::string_view day,
                       const BotocoreSigningOptions& options) {
  std::string key = HmacSha256("AWS4" + credential.secret_access_key, day);
  key = HmacSha256(key, options.region);
  key = HmacSha256(key, options.service);
  return HmacSha256(key, "aws4_request");
}

}  // namespace

HttpHeaders SignLikeBotocore(const Credential& credential, std::string_view target,
                             std::string_view body, EpochMs time,
                             const BotocoreSigningOptions& options) {
  const std::tm tm = UtcTime(time);
  const std::string iso = Format(tm, "%Y%m%dT%H%M%SZ");
  const std::string day = iso.substr(0, 8);
  const std::string payload_hash = Sha256Hex(body);

  HttpHeaders headers = {
      {"Host", options.host},
      {"Content-Type", std::string(kContentType)},
      {"X-Amz-Target", std::string(target)},
  };
  if (options.use_date_header) {
    // strftime's %a and %b follow the C locale, which is what RFC 1123 wants.
    headers.emplace_back("Date", Format(tm, "%a, %d %b %Y %H:%M:%S -0000"));
  } else {
    headers.emplace_back("X-Amz-Date", iso);
  }
  if (!credential.session_token.empty()) {
    headers.emplace_back("X-Amz-Security-Token", credential.session_token);
  }
  if (options.send_content_sha256) headers.emplace_back("X-Amz-Content-SHA256", payload_hash);

  // Every header so far is signed; values here carry no runs of whitespace to fold.
  std::vector<std::pair<std::string, std::string>> canonical;
  for (const auto& [name, value] : headers) canonical.emplace_back(Lower(name), value);
  std::sort(canonical.begin(), canonical.end());
  std::string signed_headers;
  std::string canonical_request = "POST\n/\n\n";
  for (const auto& [name, value] : canonical) {
    canonical_request += name + ":" + value + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + name;
  }
  canonical_request += "\n" + signed_headers + "\n" + payload_hash;

  const std::string scope = day + "/" + options.region + "/" + options.service + "/aws4_request";
  const std::string string_to_sign = std::string(kAlgorithm) + "\n" + iso + "\n" + scope + "\n" +
                                     Sha256Hex(canonical_request);
  const std::string signature =
      HexEncode(HmacSha256(SigningKey(credential, day, options), string_to_sign));

  headers.emplace_back("Authorization", std::string(kAlgorithm) +
                                            " Credential=" + credential.access_key_id + "/" +
                                            scope + ", SignedHeaders=" + signed_headers +
                                            ", Signature=" + signature);
  headers.emplace_back("User-Agent", "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux");
  headers.emplace_back("Content-Length", std::to_string(body.size()));
  return headers;
}

}  // namespace trainyard
