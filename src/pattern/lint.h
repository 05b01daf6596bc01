#pragma once
// Lint: warnings for pattern fields that can never match an EventBridge-shaped
// event ({version, id, detail-type, source, account, time, region, resources,
// detail}). Warnings never make a pattern invalid; ParsePattern attaches them.
//
// The main case: PutEvents API names (Source, DetailType, Detail) used where
// the event's field names (source, detail-type, detail) were meant.

#include <string>
#include <vector>

#include "pattern/pattern.h"

namespace meshd::pattern {

std::vector<std::string> LintPattern(const CompiledPattern& pattern);

}  // namespace meshd::pattern
