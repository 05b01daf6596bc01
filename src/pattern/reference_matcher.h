#pragma once
// ReferenceMatch: a deliberately simple evaluator of one CompiledPattern
// against one event, used as the oracle in tests and fuzzing. It flattens the
// whole event (DOM), then checks each branch by brute force with backtracking
// for array consistency. Slow; not for the hot path. Thread-safe.

#include <memory>
#include <string_view>

#include "base/result.h"
#include "pattern/pattern.h"

namespace meshd::pattern {

// One event, fully flattened, for evaluating many patterns against it.
class ReferenceEvent {
 public:
  static Result<ReferenceEvent> Parse(std::string_view event_json);
  ReferenceEvent(ReferenceEvent&&) noexcept;
  ReferenceEvent& operator=(ReferenceEvent&&) noexcept;
  ~ReferenceEvent();

  bool Matches(const CompiledPattern& pattern) const;

 private:
  struct Leaves;
  ReferenceEvent();
  std::unique_ptr<Leaves> leaves_;
};

Result<bool> ReferenceMatch(const CompiledPattern& pattern, std::string_view event_json);

}  // namespace meshd::pattern
