#pragma once
// Status: the error value returned on every expected failure path.
//
// An OK status holds no allocation (a null pointer), so success costs one
// pointer test, as in LevelDB. Failures carry a code and a message that names
// what failed and where; each edge (Kafka, HTTP, CLI) maps the code once.

#include <memory>
#include <string>
#include <string_view>

namespace meshd {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,   // caller sent something malformed
  kNotFound,          // topic, partition, group, ... does not exist
  kAlreadyExists,     // create of something that exists
  kOutOfRange,        // offset outside [start, end]
  kCorruption,        // CRC mismatch, torn or malformed on-disk data
  kIOError,           // the OS refused a read, write or sync
  kTooLarge,          // event or batch over a configured limit
  kUnavailable,       // shutting down, or a dependency is not ready
  kPermissionDenied,  // principal not allowed
  kConflict,          // state conflict (e.g. rebalance in progress, incompatible schema)
  kTimeout,
  kUnsupported,
  kInternal,
  // Idempotent-producer outcomes (Kafka semantics, decided in the log).
  kOutOfOrderSequence,
  kInvalidProducerEpoch,
  kUnknownProducerId,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(StatusCode code, std::string message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status TooLarge(std::string m) { return {StatusCode::kTooLarge, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
  static Status Timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  // From errno after a failed syscall: "<context>: <strerror>".
  static Status FromErrno(std::string_view context, int err);

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  const std::string& message() const;
  // "NotFound: topic 'x' does not exist"
  std::string ToString() const;

  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsCorruption() const { return code() == StatusCode::kCorruption; }

  // Explicitly drop a status where ignoring it is correct; greppable.
  void IgnoreError() const {}

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

}  // namespace meshd

// Return early from the enclosing function if `expr` is not OK.
#define MESHD_TRY(expr)                          \
  do {                                           \
    ::meshd::Status _meshd_status = (expr);      \
    if (!_meshd_status.ok()) return _meshd_status; \
  } while (0)
