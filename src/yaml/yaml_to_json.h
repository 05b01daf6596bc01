#pragma once
// Configuration files (data-product descriptors, policies, bus rules,
// pipelines) arrive as YAML or JSON; every reader turns them into one
// boost::json tree so that it has a single code path, and all of them type
// scalars the same way, so `partitions: 3` means the same number in a rule
// file and in a pipeline.
//
// Plain YAML scalars are typed as YAML 1.2's core schema does: null
// (`~`, `null`, empty), bool (`true`/`True`/`TRUE`, false likewise), base-10
// integer, float, else string. Quoted scalars always stay strings, so
// `version: "1.0"` is the string "1.0". `inf`/`nan` stay strings (the core
// schema spells them `.inf`/`.nan`, and no meshd file needs them).

#include <boost/json.hpp>

#include <string>

#include "base/result.h"

namespace YAML {
class Node;
}

namespace meshd::yaml {

// One YAML node (and everything below it) as JSON.
boost::json::value ToJson(const YAML::Node& node);

// Parses `text`: JSON when it starts with '{' or '[' (JSON that fails falls
// back to YAML, which is a superset), YAML otherwise. Errors name `file` and
// the line.
Result<boost::json::value> ParseYamlOrJson(const std::string& text, const std::string& file);

}  // namespace meshd::yaml
