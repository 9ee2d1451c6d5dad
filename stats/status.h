// Status and StatusOr<T>: errors as values at every boundary.
//
// Modelled on absl::Status / leveldb::Status. A Status is either OK or carries a
// canonical code the caller can act on plus a human-readable message naming the
// offending field or value:
//   kInvalidArgument    - fix the input (bad config, bad number, NaN in a sample)
//   kFailedPrecondition - not enough data yet; try again later
//   kUnavailable        - transient; retry (Prometheus down, 503, 429)
//   kNotFound           - the named thing does not exist
//   kDeadlineExceeded   - timed out
//   kResourceExhausted  - a size or rate limit was hit
//   kDataLoss           - data arrived but is malformed (garbage body, truncated JSON)
//   kInternal           - a bug in Verdict
// Thread safety: values; safe to copy between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace verdict {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kFailedPrecondition,
  kUnavailable,
  kNotFound,
  kDeadlineExceeded,
  kResourceExhausted,
  kDataLoss,
  kInternal,
};

// Lower-case snake name of a code, e.g. "invalid_argument".
const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: metrics[2].query: unknown variable {{ tagret }}" or "ok".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context + ": "`.
  Status WithContext(const std::string& context) const;

  // Says, at the call site, that this error is deliberately not acted on
  // (it was already logged or counted).
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status ResourceExhaustedError(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Either a T or a non-OK Status. Accessing value() on an error is a bug (asserts).
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const T& value) : v_(value) {}            // NOLINT(runtime/explicit)
  StatusOr(T&& value) : v_(std::move(value)) {}      // NOLINT(runtime/explicit)
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT(runtime/explicit)
    assert(!std::get<Status>(v_).ok() && "StatusOr built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace verdict

// Early-return helpers for functions returning Status or StatusOr.
#define VERDICT_RETURN_IF_ERROR(expr) \
  do {                                \
    ::verdict::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)
