#pragma once
// Builders of the stateful operators (see README.md for their semantics):
//   join   — stream–table join against the latest value per key of a topic
//            (join_operator.cc)
//   window — tumbling, hopping and session windowed aggregation in event
//            time with watermarks, allowed lateness and a late side output
//            (window_operator.cc)
//   dedup  — keep the last record per key within a tumbling event-time
//            window, or without a window as a stream of updates per key
//            (window_operator.cc)

#include <memory>
#include <string>

#include <yaml-cpp/yaml.h>

#include "stream/operator.h"

namespace meshd::stream {

Result<std::unique_ptr<Operator>> BuildJoinOperator(const YAML::Node& n, const std::string& where);
Result<std::unique_ptr<Operator>> BuildWindowOperator(const YAML::Node& n, const std::string& where);
Result<std::unique_ptr<Operator>> BuildDedupOperator(const YAML::Node& n, const std::string& where);

}  // namespace meshd::stream
