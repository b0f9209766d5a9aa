#include "api/sigv4.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/crypto.h"
#include "common/strings.h"

namespace trainyard {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kUnrecognizedClientMessage =
    "The security token included in the request is invalid.";
constexpr std::string_view kSignatureMismatchMessage =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
// Client-supplied text echoed in error messages is cut to this many bytes.
constexpr size_t kMaxEchoBytes = 512;

std::string Echo(std::string_view text) {
  if (text.size() <= kMaxEchoBytes) return std::string(text);
  return std::string(text.substr(0, kMaxEchoBytes)) + "...";
}

Error Incomplete(std::string message) {
  return MakeError(ErrorCode::kIncompleteSignature, std::move(message));
}
Error Unrecognized() {
  return MakeError(ErrorCode::kUnrecognizedClient, std::string(kUnrecognizedClientMessage));
}
// `header` as AWS spells it in the message, e.g. "'X-Amz-Date'".
Error NotSigned(std::string_view header) {
  return Incomplete(std::string(header) + " must be a 'SignedHeader' in the AWS Authorization.");
}

// ---------------------------------------------------------------------------
// Headers.

struct HeaderMatch {
  const std::string* first = nullptr;  // value of the first header with the name
  int count = 0;                       // how many headers carry the name
};

HeaderMatch MatchHeader(const HttpRequestView& request, std::string_view lower_name) {
  HeaderMatch match;
  for (const auto& [name, value] : request.headers) {
    if (!EqualsIgnoreCase(name, lower_name)) continue;
    if (match.count++ == 0) match.first = &value;
  }
  return match;
}

// Appends `value` trimmed, with every inner run of whitespace collapsed to one space.
void AppendTrimAll(std::string_view value, std::string* out) {
  bool pending_space = false;
  bool any = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = any;
      continue;
    }
    if (pending_space) out->push_back(' ');
    out->push_back(c);
    pending_space = false;
    any = true;
  }
}

bool IsSigned(std::string_view signed_headers, std::string_view lower_name) {
  while (!signed_headers.empty()) {
    if (NextField(&signed_headers, ';') == lower_name) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Time: "YYYYMMDDTHHMMSSZ" and RFC 1123 dates, as seconds since the epoch.

int64_t DaysFromCivil(int64_t y, int m, int d) {  // H. Hinnant's algorithm
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

bool ParseNumber(std::string_view s, int* out) {
  if (s.empty() || s.size() > 4) return false;
  int n = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    n = n * 10 + (c - '0');
  }
  *out = n;
  return true;
}

bool ToEpochSeconds(int year, int month, int day, int hour, int minute, int second,
                    int64_t* out) {
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return false;
  }
  *out = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return true;
}

bool ParseIsoBasic(std::string_view s, int64_t* out) {
  int y, mo, d, h, mi, se;
  return s.size() == 16 && s[8] == 'T' && s[15] == 'Z' && ParseNumber(s.substr(0, 4), &y) &&
         ParseNumber(s.substr(4, 2), &mo) && ParseNumber(s.substr(6, 2), &d) &&
         ParseNumber(s.substr(9, 2), &h) && ParseNumber(s.substr(11, 2), &mi) &&
         ParseNumber(s.substr(13, 2), &se) && ToEpochSeconds(y, mo, d, h, mi, se, out);
}

using IsoStamp = std::array<char, 16>;

IsoStamp FormatIsoBasic(int64_t seconds) {
  int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  int64_t rem = seconds - days * 86400;
  // Inverse of DaysFromCivil.
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2);
  char buf[128];  // roomy enough that the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04lld%02lld%02lldT%02lld%02lld%02lldZ",
                static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day), static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  IsoStamp stamp{};
  std::memcpy(stamp.data(), buf, stamp.size());  // years past 9999 do not occur in practice
  return stamp;
}

std::string IsoString(int64_t seconds) {
  IsoStamp stamp = FormatIsoBasic(seconds);
  return std::string(stamp.data(), stamp.size());
}

// "Fri, 27 Nov 2026 17:38:59 GMT" (also "-0000", "+0100", "UT", "UTC", "Z"; weekday optional).
bool ParseHttpDate(std::string_view s, int64_t* out) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  s = Trim(s);
  if (size_t comma = s.find(','); comma != std::string_view::npos) s.remove_prefix(comma + 1);
  std::array<std::string_view, 5> tok;
  size_t n = 0;
  for (s = Trim(s); !s.empty(); s = Trim(s)) {
    if (n == tok.size()) return false;
    size_t end = 0;
    while (end < s.size() && !IsSpace(s[end])) ++end;
    tok[n++] = s.substr(0, end);
    s.remove_prefix(end);
  }
  int day, month = 0, year, h, mi, se;
  for (int i = 0; i < 12; ++i) {
    if (EqualsIgnoreCase(tok[1], kMonths[i])) month = i + 1;
  }
  const std::string_view t = tok[3], zone = tok[4];
  if (n != 5 || month == 0 || tok[0].size() > 2 || !ParseNumber(tok[0], &day) ||
      tok[2].size() != 4 || !ParseNumber(tok[2], &year) || t.size() != 8 || t[2] != ':' ||
      t[5] != ':' || !ParseNumber(t.substr(0, 2), &h) || !ParseNumber(t.substr(3, 2), &mi) ||
      !ParseNumber(t.substr(6, 2), &se) || !ToEpochSeconds(year, month, day, h, mi, se, out)) {
    return false;
  }
  if (zone == "GMT" || zone == "UTC" || zone == "UT" || zone == "Z") return true;
  int hh, mm;
  if (zone.size() != 5 || (zone[0] != '+' && zone[0] != '-') ||
      !ParseNumber(zone.substr(1, 2), &hh) || !ParseNumber(zone.substr(3, 2), &mm) || mm > 59) {
    return false;
  }
  *out -= (zone[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
  return true;
}

struct RequestTime {
  std::string_view header;  // the signed header that carries it: "x-amz-date" or "date"
  IsoStamp iso{};           // "YYYYMMDDTHHMMSSZ", as used in the string to sign
  int64_t seconds = 0;
  std::string_view Iso() const { return std::string_view(iso.data(), iso.size()); }
  std::string_view Day() const { return Iso().substr(0, 8); }
};

// Precondition: at least one of the two headers is present.
Result<RequestTime> ReadRequestTime(HeaderMatch amz_date, HeaderMatch date) {
  RequestTime time;
  if (amz_date.count > 1) return Incomplete("Request has more than one 'X-Amz-Date' header.");
  if (amz_date.count == 1) {
    std::string_view value = Trim(*amz_date.first);
    if (!ParseIsoBasic(value, &time.seconds)) {
      return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + Echo(value) +
                        "'. See http://en.wikipedia.org/wiki/ISO_8601");
    }
    time.header = "x-amz-date";
    std::copy(value.begin(), value.end(), time.iso.begin());
    return time;
  }
  if (date.count > 1) return Incomplete("Request has more than one 'Date' header.");
  if (!ParseHttpDate(*date.first, &time.seconds)) {
    return Incomplete("Date header must be an RFC 1123 date, e.g. 'Fri, 27 Nov 2026 17:38:59 "
                      "GMT'. Got '" + Echo(Trim(*date.first)) + "'.");
  }
  time.header = "date";
  time.iso = FormatIsoBasic(time.seconds);
  return time;
}

std::string SkewText(int64_t seconds) {
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + " min.";
  return std::to_string(seconds) + " sec.";
}

Status CheckSkew(const RequestTime& time, EpochMs now, int64_t max_skew_seconds) {
  const int64_t now_s = now >= 0 ? now / 1000 : (now - 999) / 1000;
  if (time.seconds < now_s - max_skew_seconds) {
    return MakeError(ErrorCode::kSignatureExpired,
                     "Signature expired: " + std::string(time.Iso()) + " is now earlier than " +
                         IsoString(now_s - max_skew_seconds) + " (" + IsoString(now_s) + " - " +
                         SkewText(max_skew_seconds) + ")");
  }
  if (time.seconds > now_s + max_skew_seconds) {
    return MakeError(ErrorCode::kSignatureExpired,
                     "Signature not yet current: " + std::string(time.Iso()) +
                         " is still later than " + IsoString(now_s + max_skew_seconds) + " (" +
                         IsoString(now_s) + " + " + SkewText(max_skew_seconds) + ")");
  }
  return Ok();
}

// ---------------------------------------------------------------------------
// The Authorization header.

struct Authorization {
  std::string_view raw;  // the whole header value, trimmed
  std::string_view credential;
  std::string_view signed_headers;
  std::string_view signature;
  // The five elements of the credential, and the last four joined (the scope).
  std::string_view access_key_id, date, region, service, terminator, scope;
};

// Fills credential / signed_headers / signature; rejects a foreign algorithm,
// an element that is not key=value, and a repeated parameter.
Status ParseParameters(std::string_view raw, Authorization* auth) {
  size_t end = 0;
  while (end < raw.size() && !IsSpace(raw[end])) ++end;
  std::string_view algorithm = raw.substr(0, end);
  if (algorithm != kAlgorithm) {
    return Incomplete("Unsupported AWS 'algorithm': '" + Echo(algorithm) +
                      "'. Only 'AWS4-HMAC-SHA256' is supported.");
  }
  std::string_view rest = raw.substr(end);
  while (!rest.empty()) {
    std::string_view part = Trim(NextField(&rest, ','));
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return Incomplete("'" + Echo(part) +
                        "' not a valid key=value pair (missing equal-sign) in Authorization "
                        "header: '" + Echo(raw) + "'.");
    }
    std::string_view key = Trim(part.substr(0, eq));
    std::string_view* slot = key == "Credential"      ? &auth->credential
                             : key == "SignedHeaders" ? &auth->signed_headers
                             : key == "Signature"     ? &auth->signature
                                                      : nullptr;
    if (slot == nullptr) continue;  // unknown parameters are ignored, as AWS does
    if (!slot->empty()) {
      return Incomplete("Authorization header has more than one '" + std::string(key) +
                        "' parameter. Authorization=" + Echo(raw));
    }
    *slot = Trim(part.substr(eq + 1));
  }
  return Ok();
}

std::string MissingParts(const Authorization& auth, bool has_time) {
  std::string message;
  if (auth.credential.empty()) message += "Authorization header requires 'Credential' parameter. ";
  if (auth.signature.empty()) message += "Authorization header requires 'Signature' parameter. ";
  if (auth.signed_headers.empty()) {
    message += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  if (!has_time) {
    message +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!message.empty()) message += "Authorization=" + Echo(auth.raw);
  return message;
}

Status SplitCredential(Authorization* auth) {
  std::array<std::string_view*, 5> parts = {&auth->access_key_id, &auth->date, &auth->region,
                                            &auth->service, &auth->terminator};
  std::string_view rest = auth->credential;
  size_t n = 0;
  bool ok = true;
  while (ok && !rest.empty()) {
    ok = n < parts.size();
    if (ok) *parts[n++] = NextField(&rest, '/');
  }
  ok = ok && n == parts.size() && auth->credential.back() != '/' &&
       std::none_of(parts.begin(), parts.end(), [](auto* p) { return p->empty(); });
  if (!ok) {
    return Incomplete("Credential must have exactly 5 slash-delimited elements, e.g. "
                      "keyid/date/region/service/term, got '" + Echo(auth->credential) + "'");
  }
  auth->scope = auth->credential.substr(auth->access_key_id.size() + 1);
  return Ok();
}

bool IsHeaderNameChar(char c) {  // RFC 9110 tchar, lowercase letters only
  return (c >= 'a' && c <= 'z') || IsDigit(c) ||
         (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

Status ValidateSignedHeaders(std::string_view list) {
  std::string_view rest = list, previous;
  bool ok = true;
  while (ok && !rest.empty()) {
    std::string_view name = NextField(&rest, ';');
    ok = !name.empty() && std::all_of(name.begin(), name.end(), IsHeaderNameChar) &&
         (previous.empty() || previous < name);
    previous = name;
  }
  if (!ok || list.back() == ';') {
    return Incomplete("SignedHeaders must be lowercase header names in ascending order, "
                      "separated by ';'. Got '" + Echo(list) + "'.");
  }
  return Ok();
}

bool IsLowerHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return IsDigit(c) || (c >= 'a' && c <= 'f');
         });
}

Result<Authorization> ParseAuthorization(std::string_view raw, bool has_time) {
  Authorization auth;
  auth.raw = raw;
  TY_RETURN_IF_ERROR(ParseParameters(raw, &auth));
  if (std::string missing = MissingParts(auth, has_time); !missing.empty()) {
    return Incomplete(std::move(missing));
  }
  TY_RETURN_IF_ERROR(SplitCredential(&auth));
  TY_RETURN_IF_ERROR(ValidateSignedHeaders(auth.signed_headers));
  if (!IsLowerHex64(auth.signature)) {
    return Incomplete("Signature must be 64 lowercase hexadecimal characters, got '" +
                      Echo(auth.signature) + "'.");
  }
  return auth;
}

Status CheckScope(const Authorization& auth, const RequestTime& time,
                  const SigV4Options& options) {
  auto invalid = [](std::string message) {
    return MakeError(ErrorCode::kInvalidSignature, std::move(message));
  };
  if (auth.date != time.Day()) {
    return invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                   "date from HTTP: '" + std::string(auth.date) + "' != '" +
                   std::string(time.Day()) + "', from '" + std::string(time.Iso()) + "'.");
  }
  if (auth.region != options.region) {
    return invalid("Credential should be scoped to a valid region, not '" +
                   Echo(auth.region) + "'.");
  }
  if (auth.service != options.service) {
    return invalid("Credential should be scoped to correct service: '" + options.service + "'.");
  }
  if (auth.terminator != kTerminator) {
    return invalid("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                   Echo(auth.terminator) + "'.");
  }
  return Ok();
}

Status CheckRequiredSignedHeaders(const Authorization& auth, const RequestTime& time) {
  if (!IsSigned(auth.signed_headers, "host")) return NotSigned("'Host' or ':authority'");
  if (!IsSigned(auth.signed_headers, time.header)) {
    return NotSigned(time.header == "date" ? "'Date'" : "'X-Amz-Date'");
  }
  return Ok();
}

// ---------------------------------------------------------------------------
// Session token and payload.

Status CheckSessionToken(const HttpRequestView& request, const Credential& credential,
                         std::string_view signed_headers) {
  HeaderMatch token = MatchHeader(request, "x-amz-security-token");
  if (credential.session_token.empty()) {
    return token.count == 0 ? Ok() : Status(Unrecognized());
  }
  if (token.count != 1 || !ConstantTimeEquals(Trim(*token.first), credential.session_token)) {
    return Unrecognized();
  }
  if (!IsSigned(signed_headers, "x-amz-security-token")) return NotSigned("'X-Amz-Security-Token'");
  return Ok();
}

// The hex SHA-256 of the body. An X-Amz-Content-SHA256 header must be signed
// and agree with it: trusting its value alone would leave the body unsigned.
Result<std::string> PayloadHash(const HttpRequestView& request, std::string_view signed_headers) {
  std::string computed = Sha256Hex(request.body);
  HeaderMatch declared = MatchHeader(request, "x-amz-content-sha256");
  if (declared.count == 0) return computed;
  if (!IsSigned(signed_headers, "x-amz-content-sha256")) return NotSigned("'X-Amz-Content-SHA256'");
  if (declared.count > 1 || Trim(*declared.first) != computed) {
    return MakeError(ErrorCode::kInvalidSignature,
                     "The provided 'x-amz-content-sha256' header does not match what was "
                     "computed.");
  }
  return computed;
}

// ---------------------------------------------------------------------------
// The canonical request.

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

void AppendUriEncoded(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    if (IsUnreserved(c)) {
      out->push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out->push_back('%');
      out->push_back(kHex[byte >> 4]);
      out->push_back(kHex[byte & 0xf]);
    }
  }
}

// As botocore: drop empty and "." segments, resolve "..", keep a leading and
// trailing '/', then URI-encode each segment (so "%20" becomes "%2520").
void AppendCanonicalUri(std::string_view path, std::string* out) {
  if (path.empty() || path == "/") {
    out->push_back('/');
    return;
  }
  std::vector<std::string_view> segments;
  for (std::string_view rest = path; !rest.empty();) {
    std::string_view segment = NextField(&rest, '/');
    if (segment.empty() || segment == ".") continue;
    if (segment != "..") {
      segments.push_back(segment);
    } else if (!segments.empty()) {
      segments.pop_back();
    }
  }
  if (path.front() == '/') out->push_back('/');
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out->push_back('/');
    AppendUriEncoded(segments[i], out);
  }
  if (path.back() == '/' && !segments.empty()) out->push_back('/');
}

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  c = ToLower(c);
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

// Percent-decodes `s`, then encodes it the RFC 3986 way SigV4 wants.
std::string Reencode(std::string_view s) {
  std::string decoded;
  decoded.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = 0, lo = 0;
    if (s[i] == '%' && i + 2 < s.size() && (hi = HexValue(s[i + 1])) >= 0 &&
        (lo = HexValue(s[i + 2])) >= 0) {
      decoded.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      decoded.push_back(s[i]);
    }
  }
  std::string out;
  AppendUriEncoded(decoded, &out);
  return out;
}

void AppendCanonicalQuery(std::string_view query, std::string* out) {
  if (query.empty()) return;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::string_view rest = query; !rest.empty();) {
    std::string_view pair = NextField(&rest, '&');
    if (pair.empty()) continue;
    std::string_view value = pair;
    std::string_view key = NextField(&value, '=');
    pairs.emplace_back(Reencode(key), Reencode(value));
  }
  std::sort(pairs.begin(), pairs.end());
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) out->push_back('&');
    out->append(pairs[i].first).append("=").append(pairs[i].second);
  }
}

void AppendCanonicalHeaders(const HttpRequestView& request, std::string_view signed_headers,
                            std::string* out) {
  while (!signed_headers.empty()) {
    std::string_view name = NextField(&signed_headers, ';');
    out->append(name).push_back(':');
    bool first = true;
    for (const auto& [header, value] : request.headers) {
      if (!EqualsIgnoreCase(header, name)) continue;
      if (!first) out->push_back(',');
      first = false;
      AppendTrimAll(value, out);
    }
    out->push_back('\n');
  }
}

std::string CanonicalRequest(const HttpRequestView& request, std::string_view signed_headers,
                             std::string_view payload_hash) {
  std::string out;
  out.reserve(256 + request.path.size() + request.query.size() + signed_headers.size() * 4);
  for (char c : request.method) out.push_back(ToUpper(c));
  out.push_back('\n');
  AppendCanonicalUri(request.path, &out);
  out.push_back('\n');
  AppendCanonicalQuery(request.query, &out);
  out.push_back('\n');
  AppendCanonicalHeaders(request, signed_headers, &out);
  out.append("\n").append(signed_headers).append("\n").append(payload_hash);
  return out;
}

std::string ComputeSignature(std::string_view secret, const Authorization& auth,
                             const RequestTime& time, std::string_view canonical_request) {
  std::string key = HmacSha256(std::string("AWS4").append(secret), auth.date);
  key = HmacSha256(key, auth.region);
  key = HmacSha256(key, auth.service);
  key = HmacSha256(key, kTerminator);
  std::string string_to_sign;
  string_to_sign.reserve(kAlgorithm.size() + time.iso.size() + auth.scope.size() + 67);
  string_to_sign.append(kAlgorithm).append("\n").append(time.Iso()).append("\n");
  string_to_sign.append(auth.scope).append("\n").append(Sha256Hex(canonical_request));
  return HexEncode(HmacSha256(key, string_to_sign));
}

}  // namespace

Result<std::string> VerifySigV4(const HttpRequestView& request, const CredentialSource& credentials,
                                const SigV4Options& options, EpochMs now) {
  HeaderMatch authorization = MatchHeader(request, "authorization");
  if (authorization.count == 0 || Trim(*authorization.first).empty()) {
    return MakeError(ErrorCode::kMissingAuthentication, "Missing Authentication Token");
  }
  if (authorization.count > 1) return Incomplete("Request has more than one 'Authorization' header.");
  HeaderMatch amz_date = MatchHeader(request, "x-amz-date");
  HeaderMatch date = MatchHeader(request, "date");
  TY_ASSIGN_OR_RETURN(Authorization auth, ParseAuthorization(Trim(*authorization.first),
                                                             amz_date.count + date.count > 0));
  TY_ASSIGN_OR_RETURN(RequestTime time, ReadRequestTime(amz_date, date));
  TY_RETURN_IF_ERROR(CheckScope(auth, time, options));
  TY_RETURN_IF_ERROR(CheckRequiredSignedHeaders(auth, time));
  TY_RETURN_IF_ERROR(CheckSkew(time, now, options.max_skew_seconds));

  std::optional<Credential> credential = credentials.Lookup(auth.access_key_id);
  if (!credential) return Unrecognized();
  TY_RETURN_IF_ERROR(CheckSessionToken(request, *credential, auth.signed_headers));
  TY_ASSIGN_OR_RETURN(std::string payload_hash, PayloadHash(request, auth.signed_headers));
  std::string canonical = CanonicalRequest(request, auth.signed_headers, payload_hash);
  std::string expected = ComputeSignature(credential->secret_access_key, auth, time, canonical);
  if (!ConstantTimeEquals(expected, auth.signature)) {
    return MakeError(ErrorCode::kInvalidSignature, std::string(kSignatureMismatchMessage));
  }
  return std::string(auth.access_key_id);
}

}  // namespace trainyard
