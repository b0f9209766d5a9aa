// StaticCredentialSource and the AWS-style credentials file (declared in sigv4.h).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "api/sigv4.h"
#include "common/strings.h"

namespace trainyard {

StaticCredentialSource::StaticCredentialSource(std::vector<Credential> credentials)
    : credentials_(std::move(credentials)) {}

std::optional<Credential> StaticCredentialSource::Lookup(std::string_view access_key_id) const {
  for (const Credential& c : credentials_) {
    if (c.access_key_id == access_key_id) return c;
  }
  return std::nullopt;
}

namespace {

// Parses the INI text of a credentials file line by line. Error messages name
// the file and line but never echo a value (it may be a secret).
class CredentialsFileParser {
 public:
  explicit CredentialsFileParser(std::string_view path) : path_(path) {}

  Status Line(std::string_view line, int number) {
    line = Trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') return Ok();
    if (line.front() == '[') return Section(line, number);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Fail(number, "expected '[profile]' or 'key = value'");
    }
    if (!in_section_) return Fail(number, "'key = value' before any [profile] section");
    return Assign(Trim(line.substr(0, eq)), Trim(line.substr(eq + 1)), number);
  }

  Result<std::vector<Credential>> Finish() {
    TY_RETURN_IF_ERROR(FinishProfile());
    return std::move(credentials_);
  }

 private:
  struct Profile {
    std::string name;
    int line = 0;
    std::optional<std::string> access_key_id, secret_access_key, session_token;
  };

  Error Fail(int line, std::string_view what) const {
    return MakeError(ErrorCode::kInvalidArgument,
                     path_ + ":" + std::to_string(line) + ": " + std::string(what));
  }

  Status Section(std::string_view line, int number) {
    if (line.back() != ']' || Trim(line.substr(1, line.size() - 2)).empty()) {
      return Fail(number, "malformed section header; expected '[name]'");
    }
    TY_RETURN_IF_ERROR(FinishProfile());
    std::string name(Trim(line.substr(1, line.size() - 2)));
    if (std::find(seen_.begin(), seen_.end(), name) != seen_.end()) {
      return Fail(number, "duplicate section [" + name + "]");
    }
    seen_.push_back(name);
    profile_ = Profile{std::move(name), number, {}, {}, {}};
    in_section_ = true;
    return Ok();
  }

  Status Assign(std::string_view key, std::string_view value, int number) {
    std::optional<std::string>* slot =
        EqualsIgnoreCase(key, "aws_access_key_id")       ? &profile_.access_key_id
        : EqualsIgnoreCase(key, "aws_secret_access_key") ? &profile_.secret_access_key
        : EqualsIgnoreCase(key, "aws_session_token")     ? &profile_.session_token
                                                         : nullptr;
    if (slot == nullptr) return Ok();  // region, output, ...: not ours
    if (slot->has_value()) {
      return Fail(number, "duplicate key '" + std::string(key) + "' in [" + profile_.name + "]");
    }
    if (value.empty()) return Fail(number, "empty value for '" + std::string(key) + "'");
    *slot = std::string(value);
    return Ok();
  }

  Status FinishProfile() {
    Profile& p = profile_;
    if (!p.access_key_id && !p.secret_access_key && !p.session_token) return Ok();
    if (!p.access_key_id || !p.secret_access_key) {
      return Fail(p.line, "section [" + p.name + "] needs both aws_access_key_id and "
                          "aws_secret_access_key");
    }
    Credential c{*p.access_key_id, *p.secret_access_key, p.session_token.value_or("")};
    for (const Credential& other : credentials_) {
      if (other.access_key_id != c.access_key_id) continue;
      if (other.secret_access_key == c.secret_access_key &&
          other.session_token == c.session_token) {
        return Ok();  // the same key listed under two profiles
      }
      return Fail(p.line, "section [" + p.name + "] repeats access key id '" + c.access_key_id +
                              "' with a different secret or token");
    }
    credentials_.push_back(std::move(c));
    return Ok();
  }

  std::string path_;
  bool in_section_ = false;
  Profile profile_;
  std::vector<std::string> seen_;
  std::vector<Credential> credentials_;
};

Result<std::string> ReadWholeFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    int err = errno;
    return MakeError(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
                     "opening credentials file " + path + ": " + std::strerror(err));
  }
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) text.append(buf, n);
  bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return MakeError(ErrorCode::kUnavailable, "reading credentials file " + path);
  return text;
}

}  // namespace

Result<std::vector<Credential>> LoadCredentialsFile(const std::string& path) {
  TY_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  std::string_view rest = text;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // UTF-8 byte order mark
  CredentialsFileParser parser(path);
  for (int number = 1; !rest.empty(); ++number) {
    TY_RETURN_IF_ERROR(parser.Line(NextField(&rest, '\n'), number));
  }
  return parser.Finish();
}

}  // namespace trainyard
