#pragma once
// ParsePattern: EventBridge event-pattern JSON -> CompiledPattern.
//
// Validates the whole pattern and rejects it with InvalidArgument whose
// message starts with the JSON path of the offending field, e.g.
//   "detail.amount: numeric operator '>' needs a number".
// Duplicate keys: the last occurrence wins (EventBridge semantics). Keys are
// joined with '.', so {"a":{"b.c":[1]}} and {"a":{"b":{"c":[1]}}} are the same
// field. Lint warnings (lint.h) are attached to the result. Thread-safe.

#include <string_view>

#include "base/result.h"
#include "pattern/pattern.h"

namespace meshd::pattern {

Result<CompiledPattern> ParsePattern(std::string_view pattern_json,
                                     const PatternLimits& limits = PatternLimits());

}  // namespace meshd::pattern
