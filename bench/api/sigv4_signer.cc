#include "sigv4_signer.h"

#include <ctime>

#include "common/crypto.h"

namespace trainyard::bench {

std::string AmzDate(int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Json11Signer::Json11Signer(SigningCredential credential, std::string region, std::string service)
    : credential_(std::move(credential)),
      region_(std::move(region)),
      service_(std::move(service)) {}

const std::string& Json11Signer::SigningKey(std::string_view day) {
  if (day != key_day_) {
    key_day_ = std::string(day);
    std::string key = HmacSha256("AWS4" + credential_.secret_access_key, key_day_);
    key = HmacSha256(key, region_);
    key = HmacSha256(key, service_);
    signing_key_ = HmacSha256(key, "aws4_request");
  }
  return signing_key_;
}

Json11Signature Json11Signer::Sign(std::string_view host, std::string_view target,
                                   std::string_view body, int64_t epoch_seconds) {
  Json11Signature out;
  out.amz_date = AmzDate(epoch_seconds);
  const std::string_view day = std::string_view(out.amz_date).substr(0, 8);
  const bool has_token = !credential_.session_token.empty();
  const std::string_view signed_headers =
      has_token ? "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
                : "content-type;host;x-amz-date;x-amz-target";

  std::string canonical;
  canonical.reserve(256 + host.size() + target.size());
  canonical.append("POST\n/\n\n");
  canonical.append("content-type:").append(kContentType).append("\n");
  canonical.append("host:").append(host).append("\n");
  canonical.append("x-amz-date:").append(out.amz_date).append("\n");
  if (has_token)
    canonical.append("x-amz-security-token:").append(credential_.session_token).append("\n");
  canonical.append("x-amz-target:").append(target).append("\n\n");
  canonical.append(signed_headers).append("\n");
  canonical.append(Sha256Hex(body));

  std::string scope = std::string(day) + "/" + region_ + "/" + service_ + "/aws4_request";
  std::string string_to_sign =
      "AWS4-HMAC-SHA256\n" + out.amz_date + "\n" + scope + "\n" + Sha256Hex(canonical);
  std::string signature = HexEncode(HmacSha256(SigningKey(day), string_to_sign));

  out.authorization = "AWS4-HMAC-SHA256 Credential=" + credential_.access_key_id + "/" + scope +
                      ", SignedHeaders=" + std::string(signed_headers) + ", Signature=" + signature;
  return out;
}

}  // namespace trainyard::bench
