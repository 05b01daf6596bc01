#pragma once
// Descriptors arrive as YAML or JSON; the catalog reads both through one
// boost::json tree so that every parser below has a single code path.
// Plain YAML scalars are typed as YAML 1.2's core schema does (null, bool,
// integer, float, else string); quoted scalars always stay strings, so
// `version: "1.0"` is the string "1.0" while `partitions: 3` is a number.

#include <boost/json.hpp>

#include <string>

#include "base/result.h"

namespace meshd::catalog {

// Parses `text` (JSON when it starts with '{' or '[', YAML otherwise; JSON
// that fails falls back to YAML). Errors name `file` and the line.
Result<boost::json::value> ParseYamlOrJson(const std::string& text, const std::string& file);

}  // namespace meshd::catalog
