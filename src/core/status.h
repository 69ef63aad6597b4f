// Errors as values. A Status is OK or carries a code and a message that names
// what failed (a file, a line, a part) in words a person can act on. Result<T>
// holds either a value or a non-OK Status. Both are cheap to move; success
// carries no allocation.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace steward::core {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // bad input from a user: a flag, a config line
  kNotFound,
  kIoError,
  kCorrupt,  // bytes that do not parse
  kLimit,    // a configured limit was hit
  kUnsupported,
  kInternal,
};

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status Invalid(std::string m) {
    return {Code::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) {
    return {Code::kNotFound, std::move(m)};
  }
  static Status Io(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status Corrupt(std::string m) {
    return {Code::kCorrupt, std::move(m)};
  }
  static Status Limit(std::string m) { return {Code::kLimit, std::move(m)}; }
  static Status Unsupported(std::string m) {
    return {Code::kUnsupported, std::move(m)};
  }
  static Status Internal(std::string m) {
    return {Code::kInternal, std::move(m)};
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not found: policy/pack.toml" style, for logs and error lines.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a T or a non-OK Status. Accessing value() of an error is a bug.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace steward::core
