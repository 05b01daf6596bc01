#pragma once
// Result<T>: a value or a non-OK Status. Shaped like std::expected (which g++ 12
// lacks in C++20) so that moving to C++23 is a rename.

#include <cassert>
#include <optional>
#include <utility>

#include "base/status.h"

namespace meshd {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "Result built from an OK status has no value");
    if (status_.ok()) status_ = Status::Internal("Result built from OK status");
  }

  bool has_value() const { return value_.has_value(); }
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return has_value(); }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

  // The error; OK when a value is held.
  const Status& error() const { return status_; }
  const Status& status() const { return status_; }

  template <class U>
  T value_or(U&& fallback) const& {
    return value_ ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace meshd

#define MESHD_CONCAT_INNER(a, b) a##b
#define MESHD_CONCAT(a, b) MESHD_CONCAT_INNER(a, b)

// MESHD_ASSIGN_OR_RETURN(auto x, Foo()); returns Foo()'s status on error.
#define MESHD_ASSIGN_OR_RETURN(lhs, expr) \
  MESHD_ASSIGN_OR_RETURN_IMPL(MESHD_CONCAT(_meshd_result_, __LINE__), lhs, expr)
#define MESHD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.has_value()) return tmp.error();         \
  lhs = std::move(tmp).value()
