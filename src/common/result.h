// Errors as values: every fallible call across files returns Result<T>.
//
// An Error carries a code (what kind of failure, which decides how the API
// answers) and a human-readable message. Code that passes an error up adds
// context with WithContext("uploading s3://b/k"); the code that handles an
// error logs it. No exceptions cross our interfaces: adapters around throwing
// libraries catch and convert.
//
// Result<T> holds either a T or an Error. Result<void> holds nothing or an Error.
// Thread safety: plain values; no shared state.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace trainyard {

enum class ErrorCode {
  kInvalidArgument,     // bad input: ValidationException
  kNotFound,            // unknown resource
  kAlreadyExists,       // duplicate name: ResourceInUse
  kFailedPrecondition,  // valid request, wrong state for it
  kResourceExhausted,   // a limit was hit: ResourceLimitExceeded
  kUnavailable,         // a dependency is down; retrying may help
  kDeadlineExceeded,    // ran out of time
  kInternal,            // our bug or an unexpected library failure
  // Request framing and authentication; each maps to an AWS error code.
  kSerialization,           // body is not valid JSON for the operation
  kUnknownOperation,        // X-Amz-Target names no operation we serve
  kPayloadTooLarge,         // body over the size limit
  kMissingAuthentication,   // no Authorization header
  kIncompleteSignature,     // Authorization header malformed
  kInvalidSignature,        // signature does not match
  kSignatureExpired,        // request time too far from server time
  kUnrecognizedClient,      // unknown access key or session token
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  // Returns a copy whose message reads "<context>: <message>".
  Error WithContext(std::string_view context) const;
  std::string ToString() const;
};

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() { return Status(); }

}  // namespace trainyard

// Propagates an error: TY_RETURN_IF_ERROR(store.Put(x));
#define TY_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    auto ty_status_ = (expr);                     \
    if (!ty_status_.ok()) return ty_status_.error(); \
  } while (0)

#define TY_CONCAT_INNER_(a, b) a##b
#define TY_CONCAT_(a, b) TY_CONCAT_INNER_(a, b)
// Binds a value or propagates the error: TY_ASSIGN_OR_RETURN(auto job, store.Get(n));
#define TY_ASSIGN_OR_RETURN(lhs, expr) \
  TY_ASSIGN_OR_RETURN_IMPL_(TY_CONCAT_(ty_result_, __LINE__), lhs, expr)
#define TY_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.error();              \
  lhs = std::move(tmp).value()
